import type { EventInput } from '@redstream/codec';
import type { StreamClient } from '@redstream/stream-client';

/**
 * Appends an event with an explicit entry time (`<ms>-*`), so a test knows the age of every
 * entry. Ids must grow per stream: append old entries in time order, before any live publish.
 */
export async function appendAt(
  client: StreamClient,
  topic: string,
  partition: number,
  ms: number,
  event: EventInput,
): Promise<string> {
  const encoded = client.codec.encode(event);
  const id = await client.redis.xadd(
    client.keys.partitionStream(topic, partition),
    `${Math.floor(ms)}-*`,
    ...encoded.fields,
  );
  return id!;
}

/** Creates a consumer group on a partition stream at `startId` (`0` = beginning, `$` = end). */
export async function createGroup(
  client: StreamClient,
  topic: string,
  partition: number,
  group: string,
  startId = '0',
): Promise<void> {
  await client.redis.xgroup(
    'CREATE',
    client.keys.partitionStream(topic, partition),
    group,
    startId,
    'MKSTREAM',
  );
}

/** Reads `count` entries as `consumer` of `group` (they become pending) and acks the first `ack`. */
export async function readAndAck(
  client: StreamClient,
  topic: string,
  partition: number,
  group: string,
  consumer: string,
  count: number,
  ack: number,
): Promise<string[]> {
  const stream = client.keys.partitionStream(topic, partition);
  const reply = (await client.redis.xreadgroup(
    'GROUP',
    group,
    consumer,
    'COUNT',
    count,
    'STREAMS',
    stream,
    '>',
  )) as Array<[string, Array<[string, string[]]>]> | null;
  const ids = (reply?.[0]?.[1] ?? []).map(([id]) => id);
  if (ack > 0) await client.redis.xack(stream, group, ...ids.slice(0, ack));
  return ids;
}

/**
 * Publishes `events` and runs a subscriber of `group` that refuses every one of them with a
 * NonRetriableError, so each lands in the dead-letter stream at once (reason `non-retriable`).
 */
export async function deadLetterEvents(
  client: StreamClient,
  topic: string,
  group: string,
  events: EventInput[],
): Promise<void> {
  const { NonRetriableError } = await import('@redstream/stream-client');
  const { waitFor } = await import('@redstream/testkit');
  await client.producer().publishMany(topic, events);
  const subscription = await client.subscribe({
    topic,
    group,
    consumer: 'failing',
    blockMs: 100,
    handler: (event) => {
      throw new NonRetriableError(`refused ${event.type} ${event.key}`);
    },
  });
  try {
    await waitFor(
      async () =>
        (await client.admin.listDeadLetters(topic, { group, count: 1000 })).length >= events.length,
      { description: `${events.length} dead letters in ${topic}`, timeoutMs: 15_000 },
    );
  } finally {
    await subscription.close();
  }
}
