import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export interface HealthRoutesOptions {
  /** The body of `GET /healthz`: 200 whenever the process answers at all. */
  health(): Record<string, unknown>;
  /** A reason not to be ready that needs no Redis round trip (`starting`, `draining`). */
  notReady?(): string | undefined;
  /** What `GET /readyz` pings. */
  redis: { ping(): Promise<unknown> };
  /** Served at `GET /metrics` in the Prometheus text format. */
  metrics: Registry;
  /** How long /readyz waits for PONG. Default 1 s. */
  readyTimeoutMs?: number;
}

const READY_TIMEOUT_MS = 1000;

/**
 * `GET /healthz` (liveness: the process runs), `GET /readyz` (200 `{status:'ready'}` when Redis
 * answers PING in time; 503 with the reason otherwise) and `GET /metrics`.
 */
export function registerHealthRoutes(app: FastifyInstance, options: HealthRoutesOptions): void {
  const timeoutMs = options.readyTimeoutMs ?? READY_TIMEOUT_MS;

  app.get('/healthz', async () => options.health());

  app.get('/readyz', async (_request, reply) => {
    const reason = options.notReady?.();
    if (reason !== undefined) return reply.code(503).send({ status: reason });
    try {
      await withTimeout(options.redis.ping(), timeoutMs);
      return { status: 'ready' };
    } catch (error) {
      return reply
        .code(503)
        .send({ status: 'unavailable', reason: `Redis PING failed: ${(error as Error).message}` });
    }
  });

  app.get('/metrics', async (_request, reply) =>
    reply.type(options.metrics.contentType).send(await options.metrics.metrics()),
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
