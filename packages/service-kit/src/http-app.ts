import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { trace } from '@opentelemetry/api';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  type FastifyServerOptions,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';

/**
 * `bodyLimit`: largest request body in bytes (fastify's default, 1 MiB, when unset).
 * `frameworkErrors`: answers requests refused before routing (a URL that does not decode, a
 * path parameter over its length limit), which bypass the error handler.
 */
export type HttpAppOptions = Pick<FastifyServerOptions, 'bodyLimit' | 'frameworkErrors'>;

/**
 * A fastify instance logging through the service's logger, without one line per request
 * (that would drown the logs at ingest rates; refusals and failures are logged instead).
 * Binds nothing: main.ts listens, tests use `inject()`.
 */
export function createHttpApp(logger: Logger, options: HttpAppOptions = {}): FastifyInstance {
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; typing it as such keeps FastifyInstance un-generic.
    loggerInstance: logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    clientErrorHandler: answerClientError,
    ...options,
  });
  app.addHook('onRequest', nameServerSpan);
  return app;
}

/**
 * The HTTP instrumentation (telemetry.ts) names a server span by its method only: the route
 * template makes it `POST /topics/:topic/events` without a topic name per span name. No span
 * is active when tracing is off.
 */
function nameServerSpan(request: FastifyRequest, _reply: unknown, done: () => void): void {
  const span = trace.getActiveSpan();
  const route = request.routeOptions.url;
  if (span && route) {
    span.setAttribute('http.route', route);
    span.updateName(`${request.method} ${route}`);
  }
  done();
}

/** How long a connection refused at the HTTP level may go on sending before it is cut. */
const LINGER_MS = 1000;

const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'headers-too-large', 'the request headers are over 16 KiB'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request-timeout', 'the request took too long to arrive'],
};

/**
 * Answers a request Node's HTTP parser refused (headers over its limit, a malformed request,
 * a timeout) like fastify's default, but closes gently: the answer, then the rest of what the
 * client sends is read and dropped for up to a second. Destroying the socket at once, with
 * the client's unread bytes still in it, resets the connection, and a client still sending
 * (a large header block, a chunked body) may lose the answer and see ECONNRESET instead.
 */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
  const [status, reason, message] = CLIENT_ERRORS[error.code ?? ''] ?? [
    400,
    'malformed-request',
    'the request is not valid HTTP/1.1',
  ];
  const body = JSON.stringify({ error: reason, message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.resume();
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}
