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
  /** 'all' while the whole subscription is paused, else the partitions paused one by one. */
  readonly pausedPartitions: number[] | 'all';
  /** Stops reading (all, or some partitions); resolves once no read of them is in flight. */
  pauseReading(partitions?: readonly number[]): Promise<void>;
  resumeReading(partitions?: readonly number[]): void;
  /** Resolves with the partitions owned once this replica owns its share of the assignment. */
  whenAssigned(): Promise<number[]>;
}
