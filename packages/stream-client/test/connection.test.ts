import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findServerBinary,
  getFreePort,
  type LaunchedRedis,
  launchRedis,
  uniqueName,
  waitFor,
} from '@redstream/testkit';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ConnectionError, createStreamClient, InvalidOptionError } from '../src/index.js';
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
