import { createStreamClient, type StreamClient } from '@redstream/stream-client';
import { uniqueName } from '@redstream/testkit';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { createApp } from '../../src/app.js';
import { loadProducerConfig, type ProducerConfig } from '../../src/config.js';
import { ProducerMetrics } from '../../src/producer-metrics.js';
import { loadProducerSchemas } from '../../src/producer-schemas.js';
import { TopicGate } from '../../src/topic-gate.js';

export interface ProducerAppUnderTest {
  app: FastifyInstance;
  client: StreamClient;
  metrics: ProducerMetrics;
  config: ProducerConfig;
  topic: string;
  close(): Promise<void>;
}

/**
 * The producer's app in-process on `url`, with a fresh topic of 4 partitions (or the TOPICS of
 * `env`), set up as main.ts does it. AUTH=none unless `env` configures keys.
 */
export async function startProducerApp(
  url: string,
  env: NodeJS.ProcessEnv = {},
): Promise<ProducerAppUnderTest> {
  const topic = env.TOPIC ?? uniqueName('ingest');
  const config = loadProducerConfig({
    REDIS_URL: url,
    TOPIC: topic,
    PARTITIONS: '4',
    ...(env.API_KEYS || env.API_KEYS_FILE ? {} : { AUTH: 'none' }),
    ...env,
  });
  const logger = pino({ level: 'silent' });
  const client = await createStreamClient({
    url,
    logger,
    failFast: true,
    connectTimeoutMs: 3000,
    codec: { contentType: 'msgpack', registry: loadProducerSchemas(config).registry },
  });
  await new TopicGate(config, client).createAtStart();
  const metrics = new ProducerMetrics({ defaultMetrics: false });
  const app = createApp(config, { client, metrics, logger });
  await app.ready();
  return {
    app,
    client,
    metrics,
    config,
    topic,
    close: async () => {
      await app.close();
      await client.close();
    },
  };
}

/** A valid order event (seq 1, created) of `orderId`. */
export function orderCreated(orderId: string, extra: Record<string, unknown> = {}) {
  return {
    type: 'order.created',
    key: orderId,
    payload: {
      runId: 'run-http',
      orderId,
      seq: 1,
      status: 'created',
      amount: 1299,
      items: [{ sku: 'MG-0110', qty: 1, unitPrice: 1299 }],
    },
    ...extra,
  };
}

/** Entries appended to the topic's partition streams (4 unless told). */
export async function appendedEntryCount(
  client: StreamClient,
  topic: string,
  partitions = 4,
): Promise<number> {
  let total = 0;
  for (let partition = 0; partition < partitions; partition++)
    total += await client.redis.xlen(client.keys.partitionStream(topic, partition));
  return total;
}

/** How many entries each event id has in the topic's partition streams (4 unless told). */
export async function appendedEventIds(
  client: StreamClient,
  topic: string,
  partitions = 4,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let partition = 0; partition < partitions; partition++) {
    const entries = await client.redis.xrangeBuffer(
      client.keys.partitionStream(topic, partition),
      '-',
      '+',
    );
    for (const [, fields] of entries) {
      const { id } = client.codec.decode(fields);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  }
  return counts;
}
