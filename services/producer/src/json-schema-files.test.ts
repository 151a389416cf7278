import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCodec } from '@redstream/codec';
import { createOrderRegistry, OrderGenerator } from '@redstream/orders-demo';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSchemaDirectory, SchemaFileError } from './json-schema-files.js';

const ordersDir = new URL('../schemas/orders', import.meta.url).pathname;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function schemaDir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'schemas-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files))
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}

const click = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['url'],
  properties: { url: { type: 'string', format: 'uri' }, ms: { type: 'integer', minimum: 0 } },
};

describe('loadSchemaDirectory', () => {
  it('registers each file as its type and version, validating through the codec', () => {
    const dir = schemaDir({
      'click.v1.json': click,
      'click.v2.json': { ...click, required: ['url', 'ms'] },
    });
    const { registry, types } = loadSchemaDirectory(dir, 'reject');
    expect(types).toEqual({ click: [1, 2] });
    const codec = createCodec({ registry });
    expect(() =>
      codec.encode({ type: 'click', payload: { url: 'https://a.example/', ms: 3 } }),
    ).not.toThrow();
    expect(() =>
      codec.encode({ type: 'click', schemaVersion: 1, payload: { url: 'https://a.example/' } }),
    ).not.toThrow();
    expect(() => codec.encode({ type: 'click', payload: { url: 'not a uri', ms: 3 } })).toThrow(
      expect.objectContaining({ code: 'CODEC_SCHEMA_VIOLATION', path: 'url' }),
    );
    expect(() => codec.encode({ type: 'click', payload: { url: 'https://a.example/' } })).toThrow(
      expect.objectContaining({ code: 'CODEC_SCHEMA_VIOLATION', path: 'ms' }),
    );
    expect(() => codec.encode({ type: 'view', payload: {} })).toThrow(
      expect.objectContaining({ code: 'CODEC_UNKNOWN_TYPE' }),
    );
    const open = createCodec({ registry: loadSchemaDirectory(dir, 'passthrough').registry });
    expect(() => open.encode({ type: 'view', payload: { any: 1 } })).not.toThrow();
  });

  it('refuses at start what it cannot serve, naming the file', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ 'click.json': click }, /click\.json: expected <event type>\.v<version>\.json/],
      [{ 'click.v1.json': '{ nope' }, /click\.v1\.json: not readable JSON/],
      [
        { 'click.v1.json': { type: 'object', propertees: {} } },
        /click\.v1\.json: not a valid schema: strict mode: unknown keyword/,
      ],
      [
        { 'click.v1.json': { ...click, $schema: 'http://json-schema.org/draft-07/schema#' } },
        /only https:\/\/json-schema\.org\/draft\/2020-12/,
      ],
      [
        { 'click.v1.json': click, 'click.v3.json': click },
        /click\.v3\.json: versions of click must be consecutive: v2 is missing/,
      ],
      [{}, /holds no schema files/],
    ];
    for (const [files, message] of cases) {
      const dir = schemaDir(files);
      expect(() => loadSchemaDirectory(dir, 'reject')).toThrow(SchemaFileError);
      expect(() => loadSchemaDirectory(dir, 'reject')).toThrow(message);
    }
  });

  it('ships the orders demo schemas as files that judge events as the code schemas do', () => {
    const files = createCodec({ registry: loadSchemaDirectory(ordersDir, 'reject').registry });
    const code = createCodec({ registry: createOrderRegistry() });
    const verdict = (codec: typeof files, event: Parameters<typeof files.encode>[0]) => {
      try {
        codec.encode(event);
        return 'ok';
      } catch (error) {
        return (error as { code: string }).code;
      }
    };
    const events = new OrderGenerator({ runId: 'run-files', keys: 50, events: 400 }).take(400);
    const mutations: ((payload: Record<string, unknown>) => Record<string, unknown>)[] = [
      (p) => p,
      (p) => ({ ...p, status: 'lost' }),
      (p) => ({ ...p, seq: 0 }),
      (p) => ({ ...p, seq: 1.5 }),
      (p) => ({ ...p, amount: -1 }),
      (p) => ({ ...p, runId: 'has space' }),
      (p) => ({ ...p, orderId: '' }),
      (p) => ({ ...p, items: [] }),
      (p) => ({ ...p, items: [{ sku: 'A', qty: 0, unitPrice: 1 }] }),
      (p) => ({ ...p, extra: 'kept' }),
      ({ amount: _, ...rest }) => rest,
    ];
    let checked = 0;
    for (const event of events) {
      for (const mutate of mutations) {
        const mutated = { ...event, payload: mutate(event.payload as Record<string, unknown>) };
        expect(verdict(files, mutated)).toBe(verdict(code, mutated));
        checked++;
      }
      expect(verdict(files, event)).toBe('ok');
    }
    expect(checked).toBe(400 * mutations.length);
  });
});
