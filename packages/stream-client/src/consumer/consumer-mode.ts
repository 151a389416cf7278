/**
 * The seam between a subscription and its consumption mode (`ordering: 'none'` or `'key'`):
 * what the subscription, the conformance suite and the fault tests drive, whichever mode runs.
 */
export interface ConsumerMode {
  start(): Promise<void>;
  /** Bounded whether or not Redis answers; what could not be settled stays pending. */
  close(): Promise<void>;
  /** Entries read and not yet settled (the maxInFlight bound). */
  readonly inFlightCount: number;
  /** Partitions this replica owns (ordering key); every partition for ordering none. */
  readonly ownedPartitions: number[];
}
