import { redstreamProject } from '../../vitest.shared.ts';

export default redstreamProject('@redstream/dashboard-service');
