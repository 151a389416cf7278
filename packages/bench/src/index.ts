export { benchPlan, SCENARIOS, type ScenarioName, SHARED_SETTINGS } from './bench-plan.js';
export { type CliOptions, parseCliArgs, UsageError } from './cli-args.js';
export type { BenchRow } from './report/bench-row.js';
export type { BenchReport } from './report/json-report.js';
export { checkTargets, type TargetCheck } from './report/targets.js';
export { median, percentile, summarizeLatencies } from './stats.js';
