import { startTelemetry } from '@redstream/service-kit/telemetry';

/**
 * OpenTelemetry for this service, started when OTEL_EXPORTER_OTLP_ENDPOINT is set (undefined
 * otherwise). main.ts imports this module first: the HTTP instrumentation must be in place
 * before fastify loads node:http.
 */
export const telemetry = startTelemetry('producer');
