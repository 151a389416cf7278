import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type * as OtlpExporter from '@opentelemetry/exporter-trace-otlp-proto';
import type * as HttpInstrumentations from '@opentelemetry/instrumentation-http';
import type * as NodeSdk from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * The SDK is loaded only when tracing is on (a service without an endpoint does not pay for
 * loading it), and synchronously, so it is in place before the next import loads fastify.
 */
const require = createRequire(import.meta.url);

/**
 * The OpenTelemetry variables the services honour (read by the SDK and the OTLP exporter,
 * not by the service's config). Tracing is on when an OTLP endpoint is set.
 */
export const TELEMETRY_ENV = [
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
  'OTEL_SERVICE_NAME',
  'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
  'OTEL_PROPAGATORS',
  'OTEL_SDK_DISABLED',
  'OTEL_LOG_LEVEL',
] as const;

export interface Telemetry {
  /** Exports what is still buffered, then stops. */
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  /** Where spans go instead of OTLP (tests: an in-memory exporter); starts the SDK without an endpoint. */
  spanProcessors?: SpanProcessor[];
}

/** Probes and scrapes arrive every few seconds and say nothing about an event's path. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Starts the OpenTelemetry Node SDK when `OTEL_EXPORTER_OTLP_ENDPOINT` (or the traces-only
 * endpoint) is set, and not otherwise: traces only, exported over OTLP (protobuf over HTTP),
 * W3C trace context propagation, incoming and outgoing HTTP instrumented, so the producer's
 * `send` span is a child of the request that carried the event. Metrics stay with Prometheus
 * (/metrics) and logs with pino on stdout, so neither is exported here.
 *
 * Call it before anything loads `node:http` (fastify included): the HTTP instrumentation
 * patches the module when it is next required. The services do it in `src/tracing.ts`, the
 * first import of their `main.ts`.
 */
export function startTelemetry(
  serviceName: string,
  options: TelemetryOptions = {},
): Telemetry | undefined {
  // The SDK and the exporter read the rest of the OTEL_* variables from process.env.
  const env = process.env;
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (!endpoint && !options.spanProcessors) return undefined;
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof NodeSdk;
  const { OTLPTraceExporter } =
    require('@opentelemetry/exporter-trace-otlp-proto') as typeof OtlpExporter;
  const { HttpInstrumentation } =
    require('@opentelemetry/instrumentation-http') as typeof HttpInstrumentations;
  const sdk = new NodeSDK({
    // OTEL_SERVICE_NAME, when set, wins (the env resource detector reads it).
    ...(env.OTEL_SERVICE_NAME ? {} : { serviceName: `redstream-${serviceName}` }),
    ...(options.spanProcessors
      ? { spanProcessors: options.spanProcessors }
      : { traceExporter: new OTLPTraceExporter() }),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request: IncomingMessage) =>
          UNTRACED_PATHS.has((request.url ?? '').split('?')[0] ?? ''),
      }),
    ],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
