import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createStreamClient, type StreamClient } from '@redstream/stream-client';
import { ServiceProcess } from '@redstream/testkit';
import { benchEvent } from '../bench-event.js';
import { formatRate } from '../progress.js';
import type { BenchRow } from '../report/bench-row.js';
import { processCpuMs } from '../runner/process-cpu.js';
import { median } from '../stats.js';
import type { BenchContext } from './bench-context.js';
import { runInterleaved } from './interleave.js';

/** Events per request (HTTP) and per publishMany call (direct): the batch size. */
export const INGEST_BATCH = 100;
/** Requests (or publishMany calls) in flight at once, over as many keep-alive connections. */
export const INGEST_IN_FLIGHT = 8;
const TOPIC = 'ingest';
const PARTITIONS = 4;

type IngestSystem = 'redstream-direct' | 'redstream-http';

/**
 * ingest-http: N events in batches of 100 through the producer gateway (services/producer as
 * its own process: API key auth, JSON Schema validation from a schema file, the per-key rate
 * limit script, the records endpoint, keep-alive connections), beside the same batches through
 * publishMany directly (no schema: the plain library path). The ratio is what a team pays for
 * putting the gateway in front of its topics. Request bodies are built before the clock starts
 * on both sides: a client's own serialization is not the gateway's cost.
 */
export async function ingestHttpScenario(context: BenchContext): Promise<BenchRow[]> {
  const { redis, plan, progress } = context;
  const { events, rounds } = plan.ingestHttp;
  const key = `rsk_${randomBytes(24).toString('base64url')}`;
  const gateway = await startGateway(redis.url, key);
  const client = await createStreamClient({ url: redis.url, clientName: 'bench:ingest' });
  const systems: IngestSystem[] = ['redstream-direct', 'redstream-http'];
  try {
    const batches = Array.from({ length: Math.ceil(events / INGEST_BATCH) }, (_, b) =>
      Array.from({ length: Math.min(INGEST_BATCH, events - b * INGEST_BATCH) }, (_, i) =>
        benchEvent(b * INGEST_BATCH + i),
      ),
    );
    const bodies = batches.map((batch) =>
      JSON.stringify({
        records: batch.map(({ type, key: eventKey, payload }) => ({
          type,
          key: eventKey,
          value: payload,
        })),
      }),
    );
    const samples = await runInterleaved(systems, rounds, async (system, round) => {
      await redis.flush();
      // The gateway remembers the topic; the flush removed its metadata, so it is put back.
      await client.ensureTopic(TOPIC, { partitions: PARTITIONS });
      const redisCpuBefore = await redis.cpuSeconds();
      const gatewayCpuBefore = processCpuMs(gateway.process.pid);
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      if (system === 'redstream-direct') await publishDirect(client, batches);
      else await postAll(gateway.port, key, bodies);
      const elapsedMs = performance.now() - started;
      const cpu = process.cpuUsage(cpuBefore);
      // Client CPU is this process; over HTTP also the gateway process, which does the publish.
      const gatewayCpuMs =
        system === 'redstream-http' ? processCpuMs(gateway.process.pid) - gatewayCpuBefore : 0;
      const cpuMs = (cpu.user + cpu.system) / 1000 + gatewayCpuMs;
      const redisCpuUsPerEvent = (((await redis.cpuSeconds()) - redisCpuBefore) * 1e6) / events;
      const appended = await countEntries(client);
      if (appended !== events)
        throw new Error(`ingest-http ${system}: ${appended} entries appended, expected ${events}`);
      const eventsPerSec = events / (elapsedMs / 1000);
      progress.log(
        `ingest-http round ${round}/${rounds} ${system}: ${formatRate(eventsPerSec)} events/s`,
      );
      return { eventsPerSec, cpuUsPerEvent: (cpuMs * 1000) / events, redisCpuUsPerEvent };
    });
    return systems.map((system) => {
      const runs = samples.get(system)!;
      const list = runs.map((run) => run.eventsPerSec);
      return {
        scenario: 'ingest-http',
        system,
        events,
        eventsPerSec: median(list),
        p50Ms: null,
        p99Ms: null,
        peakRssMb: null,
        variant: `batches of ${INGEST_BATCH}, ${INGEST_IN_FLIGHT} in flight`,
        cpuUsPerEvent: median(runs.map((run) => run.cpuUsPerEvent)),
        redisCpuUsPerEvent: median(runs.map((run) => run.redisCpuUsPerEvent)),
        rounds,
        samples: list,
        notes:
          system === 'redstream-http'
            ? [
                'POST /v1/topics/:topic/records with a Bearer key, schema file validation, rate limit on',
                'CPU us/ev: the HTTP client plus the gateway process',
              ]
            : ['producer.publishMany, no schema registry'],
      };
    });
  } finally {
    await client.close();
    await gateway.process.stop(10_000);
  }
}

async function publishDirect(client: StreamClient, batches: ReturnType<typeof benchEvent>[][]) {
  const producer = client.producer();
  let next = 0;
  await Promise.all(
    Array.from({ length: INGEST_IN_FLIGHT }, async () => {
      while (next < batches.length) await producer.publishMany(TOPIC, batches[next++]!);
    }),
  );
}

async function postAll(port: number, key: string, bodies: string[]): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: INGEST_IN_FLIGHT });
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: INGEST_IN_FLIGHT }, async () => {
        while (next < bodies.length) await post(agent, port, key, bodies[next++]!);
      }),
    );
  } finally {
    agent.destroy();
  }
}

function post(agent: Agent, port: number, key: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: `/v1/topics/${TOPIC}/records`,
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${key}`,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          if (response.statusCode === 200) resolve();
          else
            reject(
              new Error(
                `gateway answered ${response.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 300)}`,
              ),
            );
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function countEntries(client: StreamClient): Promise<number> {
  let total = 0;
  for (let partition = 0; partition < PARTITIONS; partition++)
    total += await client.redis.xlen(client.keys.partitionStream(TOPIC, partition));
  return total;
}

/** The producer service's built entry, as `pnpm bench` leaves it after its build step. */
async function startGateway(url: string, key: string) {
  const root = workspaceRoot();
  const entry = join(root, 'services', 'producer', 'dist', 'main.js');
  if (!existsSync(entry))
    throw new Error(`${entry} does not exist: build first (pnpm bench builds everything)`);
  const child = ServiceProcess.spawn(process.execPath, [entry], {
    name: 'producer',
    env: {
      REDIS_URL: url,
      MODE: 'http',
      HOST: '127.0.0.1',
      PORT: '0',
      // info logs no line per request; it carries the `listening` line with the port.
      LOG_LEVEL: 'info',
      TOPICS: `${TOPIC}:${PARTITIONS}`,
      SCHEMAS_DIR: join(root, 'packages', 'bench', 'schemas'),
      API_KEYS: `bench:${createHash('sha256').update(key).digest('hex')}`,
      // On, and far above the run's rate: every request pays for the script, none is refused.
      RATE_LIMIT_EVENTS_PER_SECOND: '100000000',
      RATE_LIMIT_BYTES_PER_SECOND: '100000000000',
      MAX_BATCH_EVENTS: String(INGEST_BATCH),
    },
  });
  try {
    const line = await child.waitForLine(/"msg":"listening"/, 30_000);
    const { address } = JSON.parse(line) as { address: string };
    return { process: child, port: Number(new URL(address).port) };
  } catch (error) {
    await child.stop(5000);
    throw new Error(
      `the producer gateway did not start: ${(error as Error).message}\n${child.tail(20)}`,
    );
  }
}

function workspaceRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the redstream workspace above the bench');
    dir = parent;
  }
  return dir;
}
