import { readFileSync } from 'node:fs';
import { type ClientRequest, request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createStreamClient, type StreamClient } from '@redstream/stream-client';
import {
  getFreePort,
  type LaunchedRedis,
  launchRedis,
  ServiceProcess,
  uniqueName,
  waitFor,
} from '@redstream/testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/api-keys.js';
import {
  deeplyNested,
  type HostileRequest,
  hostileRequest,
  validEvent,
} from './helpers/hostile-requests.js';
import { appendedEventIds } from './helpers/producer-app.js';

// The producer's main.ts as a child process under hostile HTTP traffic: what only a real
// socket shows (thousands of HTTP headers, 10 MB bodies on the wire) and what only a process
// shows (it stays up, its memory stays bounded), with valid events between the bad requests.
const serviceDir = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = 8;

let redis: LaunchedRedis;
let client: StreamClient;
let child: ServiceProcess;
let port: number;
const topic = uniqueName('hostile');
const API_KEY = 'hostile-input-key';

beforeAll(async () => {
  redis = await launchRedis();
  client = await createStreamClient({ url: redis.url });
  port = await getFreePort();
  child = ServiceProcess.spawn(
    process.execPath,
    ['--conditions=@redstream/source', '--import', 'tsx', 'src/main.ts'],
    {
      cwd: serviceDir,
      env: {
        REDIS_URL: redis.url,
        TOPIC: topic,
        PARTITIONS: '4',
        MODE: 'http',
        // Hostile bodies come from a caller with a valid key: they get past the auth hook.
        API_KEYS: `hostile:${sha256Hex(API_KEY)}`,
        HOST: '127.0.0.1',
        PORT: String(port),
        // Refusals are info lines: warn keeps only what would be a problem.
        LOG_LEVEL: 'warn',
      },
      name: 'producer',
    },
  );
  await waitFor(async () => (await send({ method: 'GET', path: '/readyz' })).status === 200, {
    description: 'the producer to be ready',
    timeoutMs: 30_000,
  });
});

afterAll(async () => {
  await child?.stop(10_000);
  await client?.close();
  await redis?.stop();
});

interface RawRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

interface RawResponse {
  status: number;
  body: string;
  /** Set when the connection failed before any answer. */
  error?: string;
}

/** One request on its own connection; a reset after the answer (413 mid-upload) is ignored. */
function send({
  method = 'POST',
  path = `/topics/${topic}/events`,
  headers = {},
  body,
}: RawRequest) {
  return new Promise<RawResponse>((resolve) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: { authorization: `Bearer ${API_KEY}`, ...headers },
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
        response.on('error', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    // A reset can come just before the answer that was already on its way: wait for it.
    request.on('error', (error) =>
      setTimeout(() => resolve({ status: 0, body: '', error: error.message }), 500),
    );
    writeInChunks(request, body === undefined ? Buffer.alloc(0) : Buffer.from(body));
  });
}

/**
 * Writes like a streaming client: 64 KiB at a time, minding backpressure. The server answers
 * 413 as soon as a body passes the limit and closes the connection; a client that wrote 10 MB
 * in one call would see EPIPE before reading that answer.
 */
function writeInChunks(request: ClientRequest, body: Buffer): void {
  let offset = 0;
  const pump = () => {
    while (offset < body.length) {
      const chunk = body.subarray(offset, offset + 64 * 1024);
      offset += chunk.length;
      if (!request.write(chunk)) {
        request.once('drain', pump);
        return;
      }
    }
    request.end();
  };
  pump();
}

const postJson = (body: string | Buffer, extra: Record<string, string> = {}) =>
  send({ body, headers: { 'content-type': 'application/json', ...extra } });

function fromHostile(request: HostileRequest): Promise<RawResponse> {
  return send({
    path: `/topics/${request.topic ?? topic}/events`,
    headers: { 'content-type': request.contentType ?? 'application/json' },
    body: request.body,
  });
}

/** The child's resident memory in bytes (Linux). */
function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1]) * 1024;
}

/** The hostile requests of one round (each is followed by a valid event). */
interface RoundRequest {
  kind: string;
  run: () => Promise<RawResponse>;
  /** True when the request may be valid by chance. */
  mayAccept: boolean;
  /** The exact status expected, where there is one. */
  status?: number;
}

function round(seed: number): RoundRequest[] {
  const nearLimit = 1024 * 1024 - 4096;
  const thousandsOfHeaders = Object.fromEntries(
    Array.from({ length: 3000 }, (_, i) => [`x-hostile-${i}`, String(i)]),
  );
  const fixed = [
    ...Array.from({ length: 2 }, () => ({
      kind: '10 MB body with a wrong API key',
      status: 401,
      run: () =>
        postJson(Buffer.alloc(10 * 1024 * 1024, 0x20), { authorization: 'Bearer guessed' }),
    })),
    {
      kind: 'no API key',
      status: 401,
      run: () => postJson(JSON.stringify(validEvent('order-nokey')), { authorization: '' }),
    },
    ...Array.from({ length: 3 }, () => ({
      kind: '10 MB body',
      status: 413,
      run: () => postJson(Buffer.alloc(10 * 1024 * 1024, 0x20)),
    })),
    ...Array.from({ length: 5 }, () => ({
      kind: '1 MB of bytes that are not UTF-8',
      status: 400,
      run: () => postJson(Buffer.alloc(nearLimit, 0xc3)),
    })),
    ...Array.from({ length: 5 }, () => ({
      kind: '1 MB header value in an event',
      status: 400,
      run: () =>
        postJson(
          JSON.stringify({
            ...validEvent('order-h'),
            headers: { pad: 'x'.repeat(nearLimit - 1000) },
          }),
        ),
    })),
    ...Array.from({ length: 5 }, () => ({
      kind: '10,000 levels of nesting',
      status: 400,
      run: () => postJson(deeplyNested(10_000, 'object')),
    })),
    ...Array.from({ length: 5 }, () => ({
      kind: '3,000 HTTP headers',
      status: 431,
      run: () => postJson(JSON.stringify(validEvent('order-hh')), thousandsOfHeaders),
    })),
    ...Array.from({ length: 3 }, () => ({
      kind: 'one 64 KiB HTTP header',
      status: 431,
      run: () =>
        postJson(JSON.stringify(validEvent('order-h1')), { 'x-big': 'y'.repeat(64 * 1024) }),
    })),
  ].map((entry): RoundRequest => ({ ...entry, mayAccept: false }));
  const random = fc.sample(hostileRequest, { numRuns: 30, seed }).map((request) => ({
    kind: request.kind,
    run: () => fromHostile(request),
    mayAccept: !request.alwaysRefused,
  }));
  return [...fixed, ...random];
}

describe('the producer process under hostile HTTP traffic', () => {
  it('answers 4xx only, stays up with bounded memory, and appends every valid event once', async () => {
    const pid = child.pid!;
    const sentValid: string[] = [];
    const acceptedByChance = new Set<string>();
    const rss: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      for (const hostile of round(r + 1)) {
        const response = await hostile.run();
        const what = `${hostile.kind}: ${response.status} ${response.error ?? response.body.slice(0, 200)}`;
        if (hostile.mayAccept && response.status === 202) {
          const body = JSON.parse(response.body) as {
            eventId?: string;
            events?: Array<{ eventId: string }>;
          };
          for (const result of body.events ?? [body])
            if (result.eventId) acceptedByChance.add(result.eventId);
        } else {
          expect(response.status, what).toBeGreaterThanOrEqual(400);
          expect(response.status, what).toBeLessThan(500);
          if (hostile.status !== undefined) expect(response.status, what).toBe(hostile.status);
          expect(JSON.parse(response.body), what).toMatchObject({ error: expect.any(String) });
        }
        const event = validEvent(`order-v${sentValid.length}`);
        const valid = await postJson(JSON.stringify(event));
        expect(valid.status, `valid event after ${hostile.kind}: ${valid.body}`).toBe(202);
        sentValid.push(event.id);
      }
      rss.push(residentBytes(pid));
    }

    expect(child.running, child.tail()).toBe(true);
    expect((await send({ method: 'GET', path: '/healthz' })).status).toBe(200);
    // Nothing at warn or above: no 5xx, no failed request, no crash report.
    expect(child.jsonLines<{ level: number }>().filter((line) => line.level >= 40)).toEqual([]);

    const appended = await appendedEventIds(client, topic);
    for (const id of sentValid) expect(appended.get(id), id).toBe(1);
    expect(appended.size).toBe(sentValid.length + acceptedByChance.size);

    // Memory: the same traffic again may not keep adding to it. The peak of the last rounds
    // stays near the peak of the first ones (garbage collection makes single samples noisy).
    const mb = rss.map((bytes) => Math.round(bytes / 2 ** 20));
    const half = ROUNDS / 2;
    const growth = Math.max(...mb.slice(half)) - Math.max(...mb.slice(0, half));
    expect(growth, `RSS after each round (MiB): ${mb.join(', ')}`).toBeLessThan(48);
    expect(Math.max(...mb), `RSS after each round (MiB): ${mb.join(', ')}`).toBeLessThan(512);
  });
});
