import { rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findServerBinary,
  getFreePort,
  type LaunchedRedis,
  launchRedis,
  sleep,
  uniqueName,
  waitFor,
} from '@redstream/testkit';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConnectionError,
  createStreamClient,
  InvalidOptionError,
  isConnectionError,
} from '../src/index.js';
import { useRedis } from './helpers/redis.js';
import { createTlsFiles } from './helpers/tls-certificates.js';

// ACL SETUSER changes server state: a private server.
const env = useRedis({ own: true });

function captureLogs() {
  const lines: string[] = [];
  return {
    lines,
    logger: pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) }),
  };
}

describe('connections', () => {
  it('detects the server it talks to once at connect', async () => {
    const client = await env.client();
    const binary = findServerBinary();
    expect(client.connection.features).toMatchObject({
      flavor: binary?.flavor ?? 'redis',
      cluster: false,
    });
    expect(client.connection.features.version).toBe(binary?.version);
  });

  it('authenticates an ACL user from the URL and never logs its password', async () => {
    const admin = await env.client();
    await admin.redis.call('ACL', 'SETUSER', 'app', 'on', '>s3cret-pass', '~*', '&*', '+@all');
    const { lines, logger } = captureLogs();
    const url = env.redis.url.replace('redis://', 'redis://app:s3cret-pass@');
    const client = await createStreamClient({ url, logger });
    const topic = uniqueName('topic');
    await client.ensureTopic(topic, { partitions: 1 });
    expect(String(await client.redis.call('ACL', 'WHOAMI'))).toBe('app');
    await client.close();
    expect(lines.join('\n')).toContain('redis://app:***@');
    expect(lines.join('\n')).not.toContain('s3cret-pass');
  });

  it('fails with a typed error naming the server, without the password, when credentials are wrong', async () => {
    const { lines, logger } = captureLogs();
    const url = env.redis.url.replace('redis://', 'redis://app:wrong-password@');
    const started = Date.now();
    const error = await createStreamClient({ url, logger, connectTimeoutMs: 5000 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/refused the credentials/);
    expect(Date.now() - started).toBeLessThan(2000);
    expect((error as Error).message).toContain('redis://app:***@');
    expect((error as Error).message).not.toContain('wrong-password');
    expect(lines.join('\n')).not.toContain('wrong-password');
  });

  it('fails fast, naming the URL, when nothing listens', async () => {
    const port = await getFreePort();
    const started = Date.now();
    const error = await createStreamClient({
      url: `redis://u:pw@127.0.0.1:${port}`,
      connectTimeoutMs: 1500,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toContain(`redis://u:***@127.0.0.1:${port}`);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('takes a refused connection as definitive with the default options: fails within 2 s', async () => {
    const port = await getFreePort();
    const started = Date.now();
    const error = await createStreamClient({ url: `redis://u:pw@127.0.0.1:${port}` }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toContain(`redis://u:***@127.0.0.1:${port}`);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

/**
 * A TCP proxy to the test's Redis that can turn silent: new connections are then accepted and
 * never answered (a hung server, a half-open load balancer).
 */
async function silenceableProxy(target: string) {
  const { hostname, port: targetPort } = new URL(target);
  let silent = false;
  let accepted = 0;
  const open = new Set<Socket>();
  const server: Server = createServer((socket) => {
    accepted++;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => {});
    // Silent: reads what the client sends (so its FIN is seen) and never answers.
    if (silent) {
      socket.resume();
      return;
    }
    const upstream = connect(Number(targetPort), hostname);
    upstream.on('error', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${address.port}`,
    silence: () => {
      silent = true;
    },
    get accepted() {
      return accepted;
    },
    get open() {
      return open.size;
    },
    dropAll: () => {
      for (const socket of open) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('connection errors', () => {
  it('take a slot that keeps redirecting (a migration under way) as retriable, like a cluster down', () => {
    // ioredis gives up following ASK/MOVED/TRYAGAIN after maxRedirections with this message.
    const redirections = new Error(
      'Too many Cluster redirections. Last error: ReplyError: ASK 866 127.0.0.1:7002',
    );
    expect(isConnectionError(redirections)).toBe(true);
    expect(isConnectionError(new Error('CLUSTERDOWN The cluster is down'))).toBe(true);
    expect(
      isConnectionError(
        new Error('WRONGTYPE Operation against a key holding the wrong kind of value'),
      ),
    ).toBe(false);
  });
});

describe('reader connections', () => {
  it('do not resend a read that was in flight when the connection dropped: it fails instead', async () => {
    const client = await env.client();
    const stream = uniqueName('stream');
    await client.redis.xgroup('CREATE', stream, 'g', '$', 'MKSTREAM');
    const reader = (await client.connection.createReader('reader')) as Redis;
    const id = Number(await reader.client('ID'));
    const generation = client.connection.generation(reader);
    const read = reader.xreadgroup('GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', stream, '>').then(
      (reply) => ({ reply }),
      (error: Error) => ({ error }),
    );
    await waitFor(
      async () => String(await client.redis.client('LIST')).includes('cmd=xreadgroup'),
      {
        description: 'the read blocked',
      },
    );
    await client.redis.client('KILL', 'ID', id);
    await waitFor(() => client.connection.generation(reader) > generation, {
      description: 'the reader reconnected',
    });
    await client.redis.xadd(stream, '*', 'n', '1');
    const outcome = await Promise.race([read, sleep(1000).then(() => 'still waiting' as const)]);
    // Resent, the read would have taken the new entry into a reply its caller never sees.
    expect(outcome).toMatchObject({ error: expect.any(Error) });
    expect(isConnectionError((outcome as { error: Error }).error)).toBe(true);
    expect(((await client.redis.xpending(stream, 'g')) as [number])[0]).toBe(0);
    await client.connection.closeReader(reader);
  });

  it('are disconnected and forgotten when the first connect times out', async () => {
    const redis = env.redis;
    const proxy = await silenceableProxy(redis.url);
    try {
      const client = await createStreamClient({ url: proxy.url, connectTimeoutMs: 500 });
      proxy.silence();
      const before = proxy.accepted;
      const error = await client.connection
        .createReader('reader')
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConnectionError);
      expect(proxy.accepted).toBeGreaterThan(before);
      // The failed reader let go of its socket ...
      await sleep(300);
      const commandsSocket = 1;
      expect(proxy.open).toBe(commandsSocket);
      // ... and does not come back: no reconnect after the server side drops everything.
      const accepted = proxy.accepted;
      proxy.dropAll();
      await sleep(1500);
      // Only the command connection reconnects (and is refused an answer: it is silent now).
      expect(proxy.accepted - accepted).toBeLessThanOrEqual(1);
      await client.close();
    } finally {
      await proxy.close();
    }
  });

  it("give a reader's current CLIENT ID, re-read at each reconnect before anything queued", async () => {
    const client = await env.client();
    const stream = uniqueName('stream');
    await client.redis.xgroup('CREATE', stream, 'g', '$', 'MKSTREAM');
    const reader = (await client.connection.createReader('reader')) as Redis;
    const first = await client.connection.clientId(reader);
    expect(first).toBe(Number(await reader.client('ID')));
    const generation = client.connection.generation(reader);
    await client.redis.client('KILL', 'ID', first!);
    await waitFor(() => reader.status !== 'ready', { description: 'the reader dropped' });
    // Queued while disconnected: goes out as soon as the reader is ready again.
    const read = reader.xreadgroup('GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', stream, '>');
    await waitFor(() => client.connection.generation(reader) > generation, {
      description: 'the reader reconnected',
    });
    const second = await Promise.race([
      client.connection.clientId(reader),
      sleep(1000).then(() => 'stuck behind the blocked read' as const),
    ]);
    expect(typeof second).toBe('number');
    expect(second).not.toBe(first);
    // The id is what CLIENT UNBLOCK needs to end that read now.
    await waitFor(async () => (await client.redis.client('UNBLOCK', second as number)) === 1, {
      description: 'the read unblocked by the fresh id',
    });
    expect(await read).toBeNull();
    await client.connection.closeReader(reader);
  });
});

describe('connection URLs', () => {
  it('refuses a URL it cannot use at once, naming the option and hiding the password', async () => {
    const port = await getFreePort();
    const cases: Array<[string, RegExp]> = [
      ['not a url', /received "not a url"/],
      // ioredis took http://host:port for a unix socket path "//host:port" and timed out.
      [`http://127.0.0.1:${port}`, /received "http:\/\/127\.0\.0\.1:\d+\/?"/],
      ['redis://u:s3cret@127.0.0.1:99999', /received "<unparseable url>"/],
      ['redis://u:s3cret@127.0.0.1:6379/not-a-db', /redis:\/\/u:\*\*\*@127\.0\.0\.1:6379/],
      ['redis://', /received "redis:\/\/"/],
    ];
    for (const [url, received] of cases) {
      const started = Date.now();
      const error = await createStreamClient({ url, connectTimeoutMs: 5000 }).catch(
        (caught: unknown) => caught,
      );
      expect(error, url).toBeInstanceOf(InvalidOptionError);
      expect(error, url).toMatchObject({ code: 'RS_CONFIG_INVALID_OPTION' });
      expect((error as Error).message, url).toMatch(/^option url: expected redis:\/\//);
      expect((error as Error).message, url).toMatch(received);
      expect((error as Error).message, url).not.toContain('s3cret');
      expect(Date.now() - started, url).toBeLessThan(500);
    }
  });

  it('connects to a unix socket path', async (context) => {
    const socket = join(tmpdir(), `redstream-${process.pid}-${Date.now()}.sock`);
    const server = await launchRedis({ own: true, args: ['--unixsocket', socket] });
    try {
      if (server.source !== 'binary') context.skip('a unix socket needs a local redis-server');
      const client = await createStreamClient({ url: socket, connectTimeoutMs: 5000 });
      expect(await client.redis.ping()).toBe('PONG');
      await client.close();
    } finally {
      await server.stop();
      rmSync(socket, { force: true });
    }
  });
});

describe('TLS (rediss://) with mutual authentication', () => {
  const tls = createTlsFiles();
  let server: LaunchedRedis | undefined;
  afterAll(async () => {
    await server?.stop();
    rmSync(tls.dir, { recursive: true, force: true });
  });

  it('publishes and consumes over TLS with CA, client certificate and key', async () => {
    const tlsPort = await getFreePort();
    server = await launchRedis({
      own: true,
      args: [
        '--tls-port',
        String(tlsPort),
        '--tls-cert-file',
        tls.certFile,
        '--tls-key-file',
        tls.keyFile,
        '--tls-ca-cert-file',
        tls.caFile,
        '--tls-auth-clients',
        'yes',
      ],
    });
    const client = await createStreamClient({
      url: `rediss://127.0.0.1:${tlsPort}`,
      tls: { ca: tls.ca, cert: tls.cert, key: tls.key },
    });
    const topic = uniqueName('topic');
    await client.ensureTopic(topic, { partitions: 2 });
    const seen: number[] = [];
    const subscription = await client.subscribe<{ n: number }>({
      topic,
      group: 'g',
      consumer: 'c',
      handler: (event) => void seen.push(event.payload.n),
    });
    await client.producer().publishMany(
      topic,
      [1, 2, 3].map((n) => ({ type: 't', payload: { n } })),
    );
    await waitFor(() => seen.length === 3, { description: 'events over TLS' });
    await subscription.close();
    await client.close();

    // Without the client certificate the server refuses the handshake.
    const refused = await createStreamClient({
      url: `rediss://127.0.0.1:${tlsPort}`,
      tls: { ca: tls.ca },
      connectTimeoutMs: 2000,
    }).catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(ConnectionError);
  });
});
