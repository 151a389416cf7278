import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { ConnectionError, InvalidOptionError, StreamClientError } from '../errors.js';
import { reconnectDelay } from './backoff.js';
import type { ClusterNodeAddress, ConnectionOptions } from './connection-options.js';
import { redactRedisUrl } from './redact-url.js';
import { assertRedisUrl } from './redis-url.js';
import { parseServerFeatures, type ServerFeatures } from './server-features.js';

/** How long close() waits for QUIT before dropping the connection. */
const QUIT_GRACE_MS = 2000;

const DEFAULT_URL = 'redis://127.0.0.1:6379';

/** How long a connection may take to become ready (a server that accepts and never answers). */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export type RedisClient = Redis | Cluster;

/**
 * The connections of one client: a command connection (auto-pipelined: producer traffic and
 * acks of one tick go out in one round trip) and, on demand, dedicated reader connections
 * for blocking reads, which would otherwise stall every command queued behind them.
 */
export class RedisConnection {
  readonly commands: RedisClient;
  readonly cluster: boolean;
  /** Where we connect, with the password hidden: safe to log. */
  readonly displayTarget: string;
  private readonly readers = new Set<RedisClient>();
  private readonly generations = new WeakMap<RedisClient, number>();
  private readonly clientIds = new WeakMap<RedisClient, Promise<number | undefined>>();
  private serverFeatures: ServerFeatures | undefined;
  private closed = false;

  private constructor(
    private readonly options: ConnectionOptions,
    private readonly logger: Logger | undefined,
  ) {
    const nodes = parseClusterNodes(options.clusterNodes);
    this.cluster = nodes !== undefined;
    if (nodes) {
      this.displayTarget = `cluster ${nodes.map((node) => `${node.host}:${node.port}`).join(',')}`;
      this.commands = new Cluster(nodes, this.clusterOptions('commands', true));
    } else {
      const url = assertRedisUrl(options.url ?? DEFAULT_URL);
      this.displayTarget = redactRedisUrl(url);
      this.commands = new Redis(url, this.redisOptions('commands', true));
    }
    this.watch(this.commands, 'commands');
  }

  /** Connects, waits until ready, and detects the server's features once. */
  static async connect(options: ConnectionOptions = {}): Promise<RedisConnection> {
    const connection = new RedisConnection(options, options.logger);
    try {
      await waitUntilReady(
        connection.commands,
        options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        connection.displayTarget,
        { failOnRefusal: true },
      );
      connection.serverFeatures = await connection.detectFeatures();
    } catch (error) {
      connection.commands.disconnect();
      if (error instanceof StreamClientError) throw error;
      throw new ConnectionError(
        `cannot connect to Redis at ${connection.displayTarget}: ${(error as Error).message}`,
        error,
      );
    }
    options.logger?.info(
      { redis: connection.displayTarget, server: connection.serverFeatures },
      'connected to Redis',
    );
    return connection;
  }

  get features(): ServerFeatures {
    if (!this.serverFeatures) throw new ConnectionError('server features read before connect()');
    return this.serverFeatures;
  }

  /**
   * A dedicated connection for blocking reads. Closed with the connection.
   *
   * A command in flight when a reader's connection drops is failed with a connection error, not
   * resent on the new connection: a resent XREADGROUP takes entries into a reply its caller
   * never sees, and a resent MULTI/EXEC runs without the WATCH it was sent under. The callers
   * re-read their pending entries after a reconnect instead (see `generation`).
   * `resendOnReconnect` keeps ioredis's resending, for clients handed to libraries that expect
   * its defaults (BullMQ).
   */
  async createReader(
    label = 'reader',
    { resendOnReconnect = false }: { resendOnReconnect?: boolean } = {},
  ): Promise<RedisClient> {
    const nodes = parseClusterNodes(this.options.clusterNodes);
    const reader = nodes
      ? new Cluster(nodes, this.clusterOptions(label, false, resendOnReconnect))
      : new Redis(
          this.options.url ?? DEFAULT_URL,
          this.redisOptions(label, false, resendOnReconnect),
        );
    this.watch(reader, label);
    if (reader instanceof Redis) {
      if (!resendOnReconnect) failInFlightOnClose(reader);
      this.trackClientId(reader);
    } else if (!resendOnReconnect) {
      // Each node connection of a cluster reader drops its in-flight commands the same way.
      reader.on('+node', (node: Redis) => failInFlightOnClose(node));
    }
    this.readers.add(reader);
    try {
      await waitUntilReady(
        reader,
        this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        this.displayTarget,
      );
    } catch (error) {
      // Left alone, the client would keep reconnecting for the life of the process.
      this.readers.delete(reader);
      reader.disconnect();
      throw error;
    }
    return reader;
  }

  /**
   * The reader's CLIENT ID on its current connection (for CLIENT UNBLOCK from another
   * connection), re-read at every reconnect; undefined for a cluster reader (no single
   * connection) or when the id could not be read.
   */
  clientId(reader: RedisClient): Promise<number | undefined> {
    return this.clientIds.get(reader) ?? Promise.resolve(undefined);
  }

  /**
   * Ends a blocking read of `reader` early (CLIENT UNBLOCK: it returns as if it timed out).
   * Best effort: a cluster reader has no single connection id, and its read simply ends
   * within its BLOCK time.
   */
  async interruptBlockingRead(reader: RedisClient): Promise<void> {
    if (this.cluster) return;
    try {
      const id = await this.clientId(reader);
      if (id !== undefined) await this.commands.client('UNBLOCK', id);
    } catch {
      // The read ends within its BLOCK time anyway.
    }
  }

  /**
   * How many times the client became ready. A command that spans a change of generation may
   * have run with its reply lost (a group read then delivered a batch nobody saw: it sits in
   * the pending list). Readers compare generations around a read and re-read their pending
   * entries if it moved.
   */
  generation(client: RedisClient): number {
    return this.generations.get(client) ?? 0;
  }

  async closeReader(reader: RedisClient): Promise<void> {
    this.readers.delete(reader);
    // disconnect(), not quit(): a reader may be blocked in XREADGROUP and QUIT would wait for it.
    reader.disconnect();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const reader of this.readers) reader.disconnect();
    this.readers.clear();
    // QUIT waits for the server's reply; a node that stopped answering must not make close()
    // hang, so after a grace period the sockets are simply dropped.
    let timer: NodeJS.Timeout | undefined;
    const answered = await Promise.race([
      this.commands.quit().then(
        () => true,
        () => false,
      ),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), QUIT_GRACE_MS);
      }),
    ]);
    clearTimeout(timer);
    if (!answered) this.commands.disconnect();
  }

  private async detectFeatures(): Promise<ServerFeatures> {
    const probe =
      this.commands instanceof Cluster
        ? (this.commands.nodes('master')[0] ?? this.commands)
        : this.commands;
    const info = await (probe as Redis).info('server');
    const features = parseServerFeatures(info, this.cluster);
    try {
      const reply = (await (probe as Redis).config('GET', 'maxmemory-policy')) as string[];
      if (reply[1]) features.maxmemoryPolicy = reply[1];
    } catch {
      // CONFIG is often forbidden for application ACL users: the policy stays unknown.
    }
    return features;
  }

  /**
   * CLIENT ID is asked on 'connect', while ioredis still sends only its handshake (CLIENT is a
   * handshake command): a blocking read queued during the outage goes out at 'ready', after it,
   * so the id never waits behind the very read it is needed to unblock.
   */
  private trackClientId(reader: Redis): void {
    reader.on('connect', () => {
      this.clientIds.set(
        reader,
        reader.client('ID').then(
          (id) => Number(id),
          () => undefined,
        ),
      );
    });
  }

  private redisOptions(label: string, forCommands: boolean, resend = true): RedisOptions {
    const { username, password, tls, url } = this.options;
    const wantsTls = tls !== undefined || url?.startsWith('rediss://');
    return {
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
      ...(wantsTls ? { tls: { ...tls } } : {}),
      connectionName: `${this.options.clientName ?? 'redstream'}:${label}`,
      connectTimeout: this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      enableAutoPipelining: forCommands,
      // Consumers queue commands through a reconnect; fail-fast producers answer errors at once.
      enableOfflineQueue: !(this.options.failFast ?? false),
      maxRetriesPerRequest: this.options.failFast ? 1 : null,
      autoResendUnfulfilledCommands: resend,
      retryStrategy: (attempt) => (this.closed ? null : reconnectDelay(attempt)),
      // A restarted server without persistence loses scripts and groups; reconnect on LOADING.
      reconnectOnError: (error) =>
        error.message.startsWith('LOADING') || error.message.startsWith('READONLY'),
    };
  }

  private clusterOptions(label: string, forCommands: boolean, resend = true): ClusterOptions {
    const { failFast = false } = this.options;
    const redisOptions = this.redisOptions(label, forCommands, resend);
    const {
      enableAutoPipelining: _a,
      enableOfflineQueue: _o,
      maxRetriesPerRequest: _m,
      retryStrategy: _r,
      ...perNode
    } = redisOptions;
    return {
      redisOptions: perNode,
      // Off on a cluster: ioredis groups an auto-pipeline by slot and cannot place scripts
      // whose key count is an argument (the effectively-once step), failing the whole batch.
      // Commands are still pipelined on the wire; only the write coalescing is lost.
      enableAutoPipelining: false,
      enableOfflineQueue: !failFast,
      clusterRetryStrategy: (attempt) => (this.closed ? null : reconnectDelay(attempt)),
      maxRedirections: 32,
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 300,
      retryDelayOnTryAgain: 100,
      slotsRefreshTimeout: 2000,
    };
  }

  private watch(client: RedisClient, label: string): void {
    let lastError = '';
    client.on('error', (error: Error) => {
      // ioredis emits the same error on every reconnect attempt: log each distinct one once.
      if (error.message === lastError) return;
      lastError = error.message;
      this.logger?.warn(
        { redis: this.displayTarget, connection: label, err: { message: error.message } },
        'redis connection error',
      );
    });
    const nextGeneration = () =>
      this.generations.set(client, (this.generations.get(client) ?? 0) + 1);
    if (client instanceof Cluster) {
      // A cluster client stays 'ready' while one node's connection drops and comes back (a
      // master restarting), yet a command on that node may have run with its reply lost:
      // each node's reconnect is a new generation too.
      // A node's first 'ready' is its lazy first connect, when nothing can have been lost.
      // A node connection that is dropped may be replaced by a new one ('-node', then '+node'),
      // whose first 'ready' is then not a first connect: count the drop itself too.
      client.on('+node', (node: Redis) => {
        let connectedBefore = false;
        node.on('ready', () => {
          if (connectedBefore) nextGeneration();
          connectedBefore = true;
        });
        node.on('close', () => {
          if (connectedBefore) nextGeneration();
        });
      });
      client.on('-node', nextGeneration);
    }
    client.on('ready', () => {
      nextGeneration();
      if (lastError)
        this.logger?.info(
          { redis: this.displayTarget, connection: label },
          'redis connection restored',
        );
      lastError = '';
    });
  }
}

/**
 * Fails the commands a reader had written and not seen answered when its socket closed. With
 * `autoResendUnfulfilledCommands` off, ioredis drops them at the next 'ready' without settling
 * their promises (a read would wait forever); failed here, their callers see a connection
 * error and recover. 'close' comes before any reconnect (the retry delay is at least 50 ms), so
 * the queue still holds exactly the lost commands.
 */
function failInFlightOnClose(reader: Redis): void {
  reader.on('close', () => {
    const queue = reader.commandQueue;
    if (queue.length === 0) return;
    const error = new Error(
      'Connection is closed: the command was in flight and is not resent after a reconnect',
    );
    for (let item = queue.shift(); item !== undefined; item = queue.shift())
      item.command.reject(error);
  });
}

function parseClusterNodes(
  nodes: ConnectionOptions['clusterNodes'],
): ClusterNodeAddress[] | undefined {
  if (nodes === undefined || nodes === '' || (Array.isArray(nodes) && nodes.length === 0))
    return undefined;
  if (Array.isArray(nodes)) return nodes;
  return nodes.split(',').map((part) => {
    const match = /^\s*([^\s:]+):(\d+)\s*$/.exec(part);
    if (!match) throw new InvalidOptionError('clusterNodes', 'host:port[,host:port...]', part);
    return { host: match[1]!, port: Number(match[2]) };
  });
}

/**
 * Nothing listens there (ECONNREFUSED) or the host does not exist (ENOTFOUND): for the first
 * connect of a client this is definitive, unlike a server that is slow to answer. A cluster
 * client reports it as the last node error of its failed slot refresh.
 */
function isRefusal(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND') return true;
  if (/\b(ECONNREFUSED|ENOTFOUND)\b/.test(error.message)) return true;
  return isRefusal((error as { lastNodeError?: unknown }).lastNodeError);
}

function waitUntilReady(
  client: RedisClient,
  timeoutMs: number,
  target: string,
  { failOnRefusal = false } = {},
): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    let lastError: Error | undefined;
    const onError = (error: Error) => {
      lastError = error;
      // The initial connect does not wait connectTimeoutMs for a port nothing listens on.
      if (failOnRefusal && isRefusal(error)) {
        cleanup();
        reject(
          new ConnectionError(`Redis at ${target} refused the connection: ${error.message}`, error),
        );
        return;
      }
      // Wrong credentials or missing permissions do not heal by retrying: fail at once.
      if (/WRONGPASS|NOAUTH|NOPERM|invalid username-password/i.test(error.message)) {
        cleanup();
        reject(
          new ConnectionError(
            `Redis at ${target} refused the credentials: ${error.message}`,
            error,
          ),
        );
      }
    };
    const cleanup = () => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onError);
    };
    const onReady = () => {
      cleanup();
      resolve();
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new ConnectionError(
          `Redis at ${target} not ready within ${timeoutMs} ms${lastError ? `: ${lastError.message}` : ''}`,
          lastError,
        ),
      );
    }, timeoutMs);
    client.on('ready', onReady);
    client.on('error', onError);
  });
}
