import type { StreamClient } from '../../src/index.js';

export interface Ledger {
  /** Distinct events applied. */
  applied: number;
  /** Events whose effects were applied more than once. */
  duplicates: number;
  /** Per-key sequence breaks seen by the handler. */
  violations: number;
  perConsumer: Record<string, number>;
}

/** Reads what the consumer-worker fixture recorded, summed over partitions. */
export async function readLedger(
  client: StreamClient,
  topic: string,
  partitions: number,
): Promise<Ledger> {
  const ledger: Ledger = { applied: 0, duplicates: 0, violations: 0, perConsumer: {} };
  for (let partition = 0; partition < partitions; partition++) {
    const handled = await client.redis.hgetall(client.keys.state(topic, partition, 'handled'));
    for (const count of Object.values(handled)) {
      ledger.applied++;
      if (Number(count) > 1) ledger.duplicates++;
    }
    ledger.violations += Number(
      (await client.redis.get(client.keys.state(topic, partition, 'violations'))) ?? 0,
    );
    const consumers = await client.redis.hgetall(client.keys.state(topic, partition, 'consumers'));
    for (const [name, count] of Object.entries(consumers))
      ledger.perConsumer[name] = (ledger.perConsumer[name] ?? 0) + Number(count);
  }
  return ledger;
}
