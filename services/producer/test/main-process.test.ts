import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createStreamClient } from '@redstream/stream-client';
import {
  getFreePort,
  type LaunchedRedis,
  launchRedis,
  ServiceProcess,
  uniqueName,
} from '@redstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/api-keys.js';
import { orderCreated } from './helpers/producer-app.js';
import { makeTlsFiles } from './helpers/tls-files.js';

const serviceDir = fileURLToPath(new URL('..', import.meta.url));

/** The producer's main.ts as a child process, run from its TypeScript sources. */
function spawnProducer(env: Record<string, string>, name = 'producer'): ServiceProcess {
  return ServiceProcess.spawn(
    process.execPath,
    ['--conditions=@redstream/source', '--import', 'tsx', 'src/main.ts'],
    {
      cwd: serviceDir,
      // vitest sets MODE=test in its environment, which the child would inherit.
      env: {
        LOG_LEVEL: 'info',
        PORT: '0',
        HOST: '127.0.0.1',
        MODE: 'http',
        API_KEYS: `main:${sha256Hex('main-process-key')}`,
        ...env,
      },
      name,
    },
  );
}

let redis: LaunchedRedis;

beforeAll(async () => {
  redis = await launchRedis();
});

afterAll(async () => {
  await redis?.stop();
});

describe('producer main', () => {
  it('exits 1 on bad configuration, naming the variable and the expected form', async () => {
    const child = spawnProducer({ REDIS_URL: redis.url, PORT: 'eighty', MODE: 'fast' });
    const status = await child.waitForExit(20_000);
    expect(status.code).toBe(1);
    expect(child.output).toContain('PORT: expected an integer from 0 to 65535, got "eighty"');
    expect(child.output).toContain('MODE: expected one of http, generator, both, got "fast"');
  });

  it('publishes the generator workload, logs the count, and exits 0 when done', async () => {
    const topic = uniqueName('gen');
    const child = spawnProducer({
      REDIS_URL: redis.url,
      TOPIC: topic,
      PARTITIONS: '3',
      MODE: 'generator',
      GENERATOR_EVENTS: '700',
      GENERATOR_KEYS: '25',
      GENERATOR_BATCH: '100',
      RUN_ID: 'run-gen-test',
      EXIT_WHEN_DONE: 'true',
    });
    const status = await child.waitForExit(30_000);
    expect(status.code, child.tail()).toBe(0);
    const lines = child.jsonLines<{ msg: string; published?: number; redis?: string }>();
    const finished = lines.find((line) => line.msg === 'generator finished');
    expect(finished).toMatchObject({ published: 700, completed: true, runId: 'run-gen-test' });
    expect(lines.at(-1)?.msg).toBe('stopped');

    const client = await createStreamClient({ url: redis.url });
    try {
      const description = await client.admin.describeTopic(topic);
      expect(description.totalLength).toBe(700);
    } finally {
      await client.close();
    }
  });

  it('logs the Redis URL without its password', async () => {
    const url = new URL(redis.url);
    url.username = 'default';
    url.password = 'not-the-password';
    const child = spawnProducer({ REDIS_URL: url.toString() });
    await child.waitForLine(/"producer starting"/, 20_000);
    await child.stop(10_000);
    expect(child.output).not.toContain('not-the-password');
    expect(child.output).toContain('***');
  });

  it('warns at start when AUTH=none leaves the ingest open, and lists key ids (never keys) otherwise', async () => {
    const open = spawnProducer({ REDIS_URL: redis.url, TOPIC: uniqueName('open'), AUTH: 'none' });
    await open.waitForLine(/"msg":"listening"/, 20_000);
    await open.stop(10_000);
    const warning = open
      .jsonLines<{ level: number; msg: string }>()
      .find((line) => line.msg.startsWith('AUTH=none'));
    expect(warning?.level).toBe(40);
    const keyed = spawnProducer({ REDIS_URL: redis.url, TOPIC: uniqueName('keyed') });
    await keyed.waitForLine(/"msg":"listening"/, 20_000);
    await keyed.stop(10_000);
    expect(keyed.output).toContain('"apiKeys":["main"]');
    expect(keyed.output).not.toContain(sha256Hex('main-process-key'));
  });

  it('stops on SIGTERM with exit code 0', async () => {
    const child = spawnProducer({ REDIS_URL: redis.url, TOPIC: uniqueName('http'), MODE: 'http' });
    await child.waitForLine(/"msg":"listening"/, 20_000);
    const status = await child.stop(10_000);
    expect(status).toEqual({ code: 0, signal: null });
    expect(child.output).toContain('"msg":"stopped"');
  });

  it('exports its traces over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set', async () => {
    // A stand-in collector: OTLP protobuf over HTTP, span names readable in the bytes.
    const exports: Buffer[] = [];
    const collector = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        exports.push(Buffer.concat(chunks));
        response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    try {
      const topic = uniqueName('traced');
      const { port } = collector.address() as AddressInfo;
      const child = spawnProducer({
        REDIS_URL: redis.url,
        TOPIC: topic,
        AUTH: 'none',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      });
      const listening = await child.waitForLine(/"msg":"listening"/, 20_000);
      const { address } = JSON.parse(listening) as { address: string };
      const response = await fetch(`${address}/topics/${topic}/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        },
        body: JSON.stringify(orderCreated('order-otlp')),
      });
      expect(response.status).toBe(202);
      // SIGTERM stops the SDK last, which exports what it still holds.
      expect(await child.stop(10_000)).toEqual({ code: 0, signal: null });
      const exported = Buffer.concat(exports).toString('latin1');
      // The HTTP instrumentation was in place before fastify loaded node:http.
      expect(exported).toContain('POST /topics/:topic/events');
      expect(exported).toContain(`send ${topic}`);
      expect(exported).toContain('redstream-producer');
    } finally {
      await new Promise((resolve) => collector.close(resolve));
    }
  });

  it('connects over TLS with a client certificate from the REDIS_TLS_* files', async () => {
    const tls = makeTlsFiles();
    const tlsPort = await getFreePort();
    const server = await launchRedis({
      own: true,
      args: [
        ...['--tls-port', String(tlsPort), '--tls-auth-clients', 'yes'],
        ...['--tls-cert-file', tls.cert, '--tls-key-file', tls.key, '--tls-ca-cert-file', tls.ca],
      ],
    });
    try {
      const topic = uniqueName('tls');
      const child = spawnProducer({
        REDIS_URL: `rediss://127.0.0.1:${tlsPort}`,
        REDIS_TLS_CA_FILE: tls.ca,
        REDIS_TLS_CERT_FILE: tls.cert,
        REDIS_TLS_KEY_FILE: tls.key,
        TOPIC: topic,
        PARTITIONS: '2',
        MODE: 'generator',
        GENERATOR_EVENTS: '50',
        EXIT_WHEN_DONE: 'true',
      });
      expect((await child.waitForExit(30_000)).code, child.tail()).toBe(0);
      expect(child.output).not.toContain('PRIVATE KEY');
      const client = await createStreamClient({ url: server.url });
      try {
        expect((await client.admin.describeTopic(topic)).totalLength).toBe(50);
      } finally {
        await client.close();
      }
    } finally {
      await server.stop();
      rmSync(tls.dir, { recursive: true, force: true });
    }
  });
});
