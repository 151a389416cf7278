export { AdminToken } from './admin-token.js';
export { createDashboardApp, type DashboardAppDeps } from './dashboard-app.js';
export type * from './dashboard-view.js';
export { SnapshotPoller, type SnapshotPollerOptions } from './snapshot-poller.js';
export { type DashboardOptions, type RunningDashboard, startDashboard } from './start-dashboard.js';
