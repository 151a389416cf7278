import type { AllSubscribeOptions } from '../../src/consumer/subscribe-options.js';
import type { SubscribeOptions } from '../../src/index.js';

/**
 * Options built for an ordering chosen at runtime (the suites run each test in both modes):
 * the discriminated union cannot check them statically; `resolveSubscribeOptions` checks them
 * at runtime as it does for JavaScript callers.
 */
export function loose<P>(options: AllSubscribeOptions<P>): SubscribeOptions<P> {
  return options as SubscribeOptions<P>;
}
