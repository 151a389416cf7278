import type { BenchPlan } from '../bench-plan.js';
import type { BenchRedis } from '../bench-redis.js';
import type { Progress } from '../progress.js';

/** What every scenario gets from main: the server, the plan and where to report progress. */
export interface BenchContext {
  redis: BenchRedis;
  plan: BenchPlan;
  progress: Progress;
  /** Worker processes write CPU profiles here when set. */
  profileDir: string | undefined;
}
