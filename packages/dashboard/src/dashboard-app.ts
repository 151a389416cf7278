import { createHttpApp } from '@redstream/service-kit';
import {
  type DeadLetter,
  type RedriveOptions,
  type StreamClient,
  StreamClientError,
} from '@redstream/stream-client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AdminToken } from './admin-token.js';
import type { DashboardSnapshot, RedriveRequest, RedriveResult } from './dashboard-view.js';
import { detailDeadLetter, summarizeDeadLetter } from './dead-letter-view.js';
import type { SnapshotPoller } from './snapshot-poller.js';
import { loadStaticAssets, type StaticAsset } from './static-assets.js';

export interface DashboardAppDeps {
  client: StreamClient;
  poller: SnapshotPoller;
  token: AdminToken;
  logger: Logger;
  /** The built web app; default: this package's dist/web. */
  assets?: Map<string, StaticAsset> | undefined;
}

/** How soon a browser reconnects after the stream drops (a server restart, say). */
const SSE_RETRY_MS = 2000;

const ENTRY_ID = '^\\d+-\\d+$';

/**
 * The page loads nothing from anywhere but this server and cannot be framed: a defence in
 * depth for a page whose token field can move data.
 */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Live pages served at once; one more gets a 503 and retries. */
const MAX_EVENT_STREAMS = 256;
/** Snapshots a client may leave unread before it is dropped (a few seconds' worth). */
const MAX_UNREAD_BYTES = 4 * 1024 * 1024;

/**
 * The dashboard's HTTP surface: the web app, `/api/snapshot` (the latest snapshot),
 * `/api/events` (a snapshot a second over server-sent events), `/api/history` (lag, rates and
 * rebalances kept in memory), dead letters (list, show one, redrive with the admin token).
 * Binds nothing: the caller listens.
 */
export function createDashboardApp(deps: DashboardAppDeps): FastifyInstance {
  const { client, poller, token } = deps;
  const app = createHttpApp(deps.logger);
  const assets = deps.assets ?? loadStaticAssets();
  const streams = new Set<FastifyReply['raw']>();
  // Every open page gets the same message each second: encode it once, not once per page.
  let lastMessage: { snapshot: DashboardSnapshot; text: string } | undefined;
  const serialized = (snapshot: DashboardSnapshot): string => {
    if (lastMessage?.snapshot !== snapshot)
      lastMessage = { snapshot, text: `data: ${JSON.stringify(snapshot)}\n\n` };
    return lastMessage.text;
  };
  // Open event streams would hold close() forever.
  app.addHook('preClose', async () => {
    for (const stream of streams) stream.end();
  });

  app.setErrorHandler(
    (error: Error & { statusCode?: number; validation?: unknown }, _request, reply) => {
      if (error.validation)
        return reply.code(400).send({ error: 'invalid-request', message: error.message });
      if (error instanceof StreamClientError && error.code === 'RS_TOPIC_NOT_FOUND')
        return reply.code(404).send({ error: 'topic-not-found', message: error.message });
      if (error instanceof StreamClientError && error.code === 'RS_CONFIG_INVALID_NAME')
        return reply.code(400).send({ error: 'invalid-name', message: error.message });
      deps.logger.error({ err: error }, 'dashboard request failed');
      return reply
        .code(error.statusCode && error.statusCode >= 400 ? error.statusCode : 500)
        .send({ error: 'internal', message: error.message });
    },
  );

  app.get('/api/snapshot', async (_request, reply) => {
    const snapshot = poller.current();
    if (!snapshot)
      return reply.code(503).send({ error: 'starting', message: 'no snapshot taken yet' });
    return snapshot;
  });

  app.get('/api/history', async () => poller.history());

  app.get('/api/events', (request, reply) => {
    // Each open stream costs a write a second: past a bound, new ones are refused (the page
    // falls back to reconnecting) rather than letting connections grow without limit.
    if (streams.size >= MAX_EVENT_STREAMS)
      return reply
        .code(503)
        .header('retry-after', '10')
        .send({ error: 'too-many-streams', message: `at most ${MAX_EVENT_STREAMS} live pages` });
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Proxies that buffer (nginx) would hold the stream back.
      'x-accel-buffering': 'no',
    });
    raw.write(`retry: ${SSE_RETRY_MS}\n\n`);
    const send = (snapshot: DashboardSnapshot) => {
      // A client that does not read (a stalled proxy, a paused tab, on purpose) would make Node
      // buffer every snapshot: past a bound it is dropped and reconnects when it reads again.
      if (raw.writableLength > MAX_UNREAD_BYTES) {
        raw.destroy();
        return;
      }
      raw.write(serialized(snapshot));
    };
    const current = poller.current();
    if (current) send(current);
    const unsubscribe = poller.subscribe(send);
    streams.add(raw);
    request.raw.on('close', () => {
      unsubscribe();
      streams.delete(raw);
    });
  });

  app.get<{ Params: { topic: string }; Querystring: { group?: string; count?: number } }>(
    '/api/topics/:topic/dead-letters',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            group: { type: 'string', minLength: 1 },
            count: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const { topic } = request.params;
      const { group, count } = request.query;
      const list = await client.admin.listDeadLetters(topic, {
        ...(group ? { group } : {}),
        ...(count ? { count } : {}),
      });
      return { topic, deadLetters: list.map(summarizeDeadLetter) };
    },
  );

  app.get<{ Params: { topic: string; partition: number; id: string } }>(
    '/api/topics/:topic/dead-letters/:partition/:id',
    {
      schema: {
        params: {
          type: 'object',
          properties: {
            topic: { type: 'string' },
            partition: { type: 'integer', minimum: 0 },
            id: { type: 'string', pattern: ENTRY_ID },
          },
          required: ['topic', 'partition', 'id'],
        },
      },
    },
    async (request, reply) => {
      const { topic, partition, id } = request.params;
      const found = await client.admin.getDeadLetter(topic, partition, id);
      if (!found)
        return reply.code(404).send({
          error: 'dead-letter-not-found',
          message: `no dead letter ${id} on partition ${partition} of ${topic} (redriven or purged?)`,
        });
      return detailDeadLetter(found);
    },
  );

  app.post<{ Params: { topic: string }; Body: RedriveRequest }>(
    '/api/topics/:topic/dead-letters/redrive',
    {
      // Before the body is validated: a caller without the token learns nothing about it.
      preValidation: (request, reply) => refuseWithoutToken(token, request, reply),
      schema: {
        body: {
          type: 'object',
          properties: {
            all: { type: 'boolean' },
            entries: {
              type: 'array',
              minItems: 1,
              maxItems: 1000,
              items: {
                type: 'object',
                properties: {
                  partition: { type: 'integer', minimum: 0 },
                  id: { type: 'string', pattern: ENTRY_ID },
                },
                required: ['partition', 'id'],
                additionalProperties: false,
              },
            },
            group: { type: 'string', minLength: 1 },
            reason: { type: 'string', minLength: 1 },
            eventType: { type: 'string', minLength: 1 },
          },
          additionalProperties: false,
        },
      },
    },
    async (request, reply): Promise<RedriveResult | undefined> => {
      const selection = redriveSelection(request.body);
      if (!selection) {
        await reply.code(400).send({
          error: 'nothing-selected',
          message:
            'say which dead letters to redrive: entries, group, reason, eventType or all: true',
        });
        return undefined;
      }
      const { topic } = request.params;
      const { moved, skipped } = await client.admin.redriveDeadLetters(topic, selection);
      deps.logger.info({ topic, moved, skipped }, 'dashboard: dead letters redriven');
      return { moved, skipped };
    },
  );

  app.get('/*', (request, reply) => {
    if (!assets)
      return reply
        .code(503)
        .type('text/plain')
        .send(
          'The dashboard web app is not built: run `pnpm build` (it writes packages/dashboard/dist/web).',
        );
    const path = request.url.split('?')[0]!;
    if (path.startsWith('/api/'))
      return reply.code(404).send({ error: 'not-found', message: `no API route ${path}` });
    // The app routes by hash, so every other path is the page itself.
    const asset = assets.get(path) ?? assets.get('/index.html')!;
    return reply
      .headers(PAGE_HEADERS)
      .header('content-type', asset.contentType)
      .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .send(asset.body);
  });

  return app;
}

/** Redrive only with the admin token: 403 when the server has none, 401 for a missing or wrong one. */
async function refuseWithoutToken(
  token: AdminToken,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply | undefined> {
  const check = token.check(request.headers.authorization);
  if (check === 'ok') return undefined;
  // Returning the reply tells fastify the hook answered: the route handler does not run.
  if (check === 'read-only') {
    return reply.code(403).send({
      error: 'read-only',
      message:
        'this dashboard was started without an admin token (DASHBOARD_ADMIN_TOKEN or --admin-token): actions are off',
    });
  }
  return reply
    .code(401)
    .header('www-authenticate', 'Bearer realm="redstream-dashboard"')
    .send({
      error: check === 'missing' ? 'token-missing' : 'token-wrong',
      message:
        check === 'missing'
          ? 'send the admin token as Authorization: Bearer <token>'
          : 'the admin token does not match',
    });
}

function redriveSelection(body: RedriveRequest): RedriveOptions | undefined {
  const filters: Array<(deadLetter: DeadLetter) => boolean> = [];
  const options: RedriveOptions = {};
  if (body.entries) {
    const wanted = new Set(body.entries.map(({ partition, id }) => `${partition}/${id}`));
    options.partitions = [...new Set(body.entries.map(({ partition }) => partition))];
    filters.push((deadLetter) => wanted.has(`${deadLetter.partition}/${deadLetter.id}`));
  }
  if (body.group) options.group = body.group;
  if (body.reason) filters.push((deadLetter) => deadLetter.reason === body.reason);
  if (body.eventType) filters.push((deadLetter) => deadLetter.event?.type === body.eventType);
  if (filters.length === 0 && !body.group && body.all !== true) return undefined;
  if (filters.length > 0)
    options.filter = (deadLetter) => filters.every((keep) => keep(deadLetter));
  return options;
}
