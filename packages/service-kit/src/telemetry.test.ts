import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { startTelemetry, TELEMETRY_ENV } from './telemetry.js';

const received: Array<{ url: string; contentType: string; bytes: number }> = [];
const collector = createServer((request, response) => {
  let bytes = 0;
  request.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  request.on('end', () => {
    received.push({
      url: request.url ?? '',
      contentType: request.headers['content-type'] ?? '',
      bytes,
    });
    response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
});
afterAll(() => new Promise((resolve) => collector.close(resolve)));

describe('startTelemetry', () => {
  it('does nothing (and loads no SDK) without an OTLP endpoint', () => {
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    delete process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
    expect(startTelemetry('test')).toBeUndefined();
    expect(Object.keys(require.cache).some((path) => path.includes('sdk-node'))).toBe(false);
    expect(trace.getTracer('t').startSpan('x').isRecording()).toBe(false);
  });

  it('exports spans over OTLP to OTEL_EXPORTER_OTLP_ENDPOINT when it is set', async () => {
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const { port } = collector.address() as AddressInfo;
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${port}`;
    const telemetry = startTelemetry('test');
    expect(telemetry).toBeDefined();
    const span = trace.getTracer('t').startSpan('work');
    expect(span.isRecording()).toBe(true);
    span.end();
    await telemetry?.shutdown();
    expect(received).toEqual([
      { url: '/v1/traces', contentType: 'application/x-protobuf', bytes: expect.any(Number) },
    ]);
    expect(received[0]?.bytes).toBeGreaterThan(0);
    expect(TELEMETRY_ENV).toContain('OTEL_EXPORTER_OTLP_ENDPOINT');
  });
});
