import type { StandardSchemaV1 } from '@standard-schema/spec';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { createCodec } from './codec.js';
import { CodecError, type CodecErrorCode } from './codec-error.js';
import type { DecodedEvent } from './event-types.js';
import {
  type AnyTypedEvent,
  type EventHandlers,
  type PayloadOf,
  SchemaRegistry,
  type TypedEvent,
} from './schema-registry.js';

// Three versions of one event, as a real service evolves it.
const OrderPaidV1 = z.object({ orderId: z.string(), amount: z.number().positive() });
const OrderPaidV2 = z.object({
  orderId: z.string(),
  amount: z.number().positive(),
  currency: z.string().length(3),
});
const OrderPaidV3 = z.object({
  orderId: z.string(),
  total: z.object({ minor: z.bigint(), currency: z.string().length(3) }),
  paidAt: z.date(),
  items: z
    .array(z.object({ sku: z.string().min(1), qty: z.number().int().positive() }))
    .default([]),
});
const OrderCreated = z.object({ orderId: z.string(), items: z.array(z.string()) });

const toV3 = (v2: z.output<typeof OrderPaidV2>) => ({
  orderId: v2.orderId,
  total: { minor: BigInt(Math.round(v2.amount * 100)), currency: v2.currency },
  paidAt: new Date(0),
});

/** The consumer's registry: order.created v1 and order.paid v1..v3. */
function makeRegistry() {
  return new SchemaRegistry()
    .register('order.created', 1, OrderCreated)
    .register('order.paid', 1, OrderPaidV1)
    .register('order.paid', 2, OrderPaidV2, (v1) => ({ ...v1, currency: 'EUR' }))
    .register('order.paid', 3, OrderPaidV3, toV3);
}

/** A codec like an older producer's: its registry stops at `upTo`. */
function producerAt(upTo: 1 | 2) {
  const registry = new SchemaRegistry().register('order.paid', 1, OrderPaidV1);
  if (upTo === 1) return createCodec({ registry });
  return createCodec({
    registry: registry.register('order.paid', 2, OrderPaidV2, (v1) => ({ ...v1, currency: 'EUR' })),
  });
}

function errorOf(run: () => unknown, code: CodecErrorCode): CodecError {
  try {
    run();
  } catch (thrown) {
    expect(thrown).toBeInstanceOf(CodecError);
    expect((thrown as CodecError).code, (thrown as CodecError).message).toBe(code);
    return thrown as CodecError;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

describe('SchemaRegistry with zod 4 (Standard Schema)', () => {
  it('upcasts v1 -> v2 -> v3 so the consumer always sees the newest shape', () => {
    const consumer = createCodec({ registry: makeRegistry() });
    const v1 = producerAt(1).encode({
      type: 'order.paid',
      payload: { orderId: 'o-1', amount: 12.5 },
    });
    const decoded = consumer.decode(v1.fields);
    expect(decoded.schemaVersion).toBe(3);
    expect(decoded.upcastFrom).toBe(1);
    expect(decoded.payload).toStrictEqual({
      orderId: 'o-1',
      total: { minor: 1250n, currency: 'EUR' },
      paidAt: new Date(0),
      items: [], // v3's default, applied by validating the upcast value
    });

    const v2 = producerAt(2).encode({
      type: 'order.paid',
      payload: { orderId: 'o-2', amount: 3, currency: 'USD' },
    });
    expect(producerAt(2).decode(v2.fields).schemaVersion).toBe(2);
    const fromV2 = consumer.decode(v2.fields);
    expect(fromV2.upcastFrom).toBe(2);
    expect(fromV2.payload).toMatchObject({ total: { minor: 300n, currency: 'USD' } });
  });

  it('writes the newest version by default and leaves current events alone on read', () => {
    const codec = createCodec({ registry: makeRegistry(), contentType: 'msgpack' });
    const payload = {
      orderId: 'o-3',
      total: { minor: 999n, currency: 'GBP' },
      paidAt: new Date(1_700_000_000_000),
      items: [{ sku: 'A', qty: 2 }],
    };
    const encoded = codec.encode({ type: 'order.paid', payload });
    expect(encoded.fields[encoded.fields.indexOf('sv') + 1]).toBe('3');
    const decoded = codec.decode(encoded.fields);
    expect(decoded.upcastFrom).toBeUndefined();
    expect(decoded.payload).toStrictEqual(payload);
  });

  it('lets a producer keep writing an older registered version', () => {
    const codec = createCodec({ registry: makeRegistry() });
    const encoded = codec.encode({
      type: 'order.paid',
      schemaVersion: 1,
      payload: { orderId: 'o-4', amount: 1 },
    });
    expect(codec.decode(encoded.fields).upcastFrom).toBe(1);
    errorOf(
      () => codec.encode({ type: 'order.paid', schemaVersion: 4, payload: {} }),
      'CODEC_UNKNOWN_VERSION',
    );
  });

  it('a v4 event read by a registry that knows up to v3 gives CODEC_NEWER_VERSION', () => {
    const future = new SchemaRegistry()
      .register('order.paid', 1, OrderPaidV1)
      .register('order.paid', 2, OrderPaidV2, (v1) => ({ ...v1, currency: 'EUR' }))
      .register('order.paid', 3, OrderPaidV3, toV3)
      .register(
        'order.paid',
        4,
        z.object({ orderId: z.string(), refunded: z.boolean() }),
        (v3) => ({
          orderId: v3.orderId,
          refunded: false,
        }),
      );
    const v4 = createCodec({ registry: future }).encode({
      type: 'order.paid',
      payload: { orderId: 'o-5', refunded: true },
    });
    const error = errorOf(
      () => createCodec({ registry: makeRegistry() }).decode(v4.fields),
      'CODEC_NEWER_VERSION',
    );
    expect(error.type).toBe('order.paid');
    expect(error.version).toBe(4);
    expect(error.retriable).toBe(false);
    expect(error.message).toContain('knows up to v3');
  });

  it('refuses a schema violation on encode, naming type, version and path', () => {
    const codec = createCodec({ registry: makeRegistry() });
    const error = errorOf(
      () =>
        codec.encode({
          type: 'order.paid',
          payload: {
            orderId: 'o-6',
            total: { minor: 1n, currency: 'EURO' },
            paidAt: new Date(),
            items: [
              { sku: 'A', qty: 1 },
              { sku: '', qty: 1 },
            ],
          },
        }),
      'CODEC_SCHEMA_VIOLATION',
    );
    expect(error.type).toBe('order.paid');
    expect(error.version).toBe(3);
    expect(error.path).toBe('total.currency');
    expect(error.issues?.map((issue) => issue.path)).toEqual(['total.currency', 'items[1].sku']);
    expect(error.message).toMatch(
      /^order\.paid v3: payload to publish fails its schema at total\.currency: /,
    );
    expect(error.message).toContain('items[1].sku');
  });

  it('refuses a schema violation on decode (a producer without the registry wrote it)', () => {
    const unchecked = createCodec();
    const fields = unchecked.encode({
      type: 'order.paid',
      schemaVersion: 2,
      payload: { orderId: 'o-7', amount: -5, currency: 'EUR' },
    }).fields;
    const error = errorOf(
      () => createCodec({ registry: makeRegistry() }).decode(fields),
      'CODEC_SCHEMA_VIOLATION',
    );
    expect(error.version).toBe(2);
    expect(error.path).toBe('amount');
    expect(error.message).toContain('order.paid v2: payload read fails its schema at amount');
  });

  it('validates what an upcaster returns against the next version', () => {
    const registry = new SchemaRegistry()
      .register('e', 1, z.object({ a: z.number() }))
      .register('e', 2, z.object({ a: z.number(), b: z.string() }), (v1) => ({
        ...v1,
        b: 42 as unknown as string,
      }));
    const fields = createCodec().encode({ type: 'e', schemaVersion: 1, payload: { a: 1 } }).fields;
    const error = errorOf(() => createCodec({ registry }).decode(fields), 'CODEC_SCHEMA_VIOLATION');
    expect(error.version).toBe(2);
    expect(error.path).toBe('b');
    expect(error.message).toContain('upcast payload');
  });

  it('wraps a throwing upcaster as CODEC_UPCAST_FAILED', () => {
    const registry = new SchemaRegistry()
      .register('e', 1, z.object({ a: z.number() }))
      .register('e', 2, z.object({ a: z.number() }), () => {
        throw new TypeError('bug in upcaster');
      });
    const fields = createCodec().encode({ type: 'e', schemaVersion: 1, payload: { a: 1 } }).fields;
    const error = errorOf(() => createCodec({ registry }).decode(fields), 'CODEC_UPCAST_FAILED');
    expect(error.message).toContain('v1 -> v2');
    expect(error.cause).toBeInstanceOf(TypeError);
  });

  it('refuses async validators with CODEC_ASYNC_SCHEMA instead of awaiting them', async () => {
    const registry = new SchemaRegistry().register(
      'slow',
      1,
      z.object({ a: z.string() }).refine(async (value) => value.a.length > 0),
    );
    const codec = createCodec({ registry });
    const error = errorOf(
      () => codec.encode({ type: 'slow', payload: { a: 'x' } }),
      'CODEC_ASYNC_SCHEMA',
    );
    expect(error.message).toContain('synchronous');
    // The abandoned promise must not surface as an unhandled rejection.
    await new Promise((resolve) => setTimeout(resolve, 10));
  });

  it('accepts any Standard Schema, not only zod', () => {
    const evenNumber: StandardSchemaV1<number, number> = {
      '~standard': {
        version: 1,
        vendor: 'hand-written',
        validate: (value) =>
          typeof value === 'number' && value % 2 === 0
            ? { value }
            : { issues: [{ message: 'expected an even number', path: [{ key: 'n' }] }] },
      },
    };
    const codec = createCodec({ registry: new SchemaRegistry().register('even', 1, evenNumber) });
    expect(codec.decode(codec.encode({ type: 'even', payload: 4 }).fields).payload).toBe(4);
    const error = errorOf(
      () => codec.encode({ type: 'even', payload: 3 }),
      'CODEC_SCHEMA_VIOLATION',
    );
    expect(error.path).toBe('n');
  });

  it('unknown types: rejected by default, passed through on request', () => {
    const fields = createCodec().encode({
      type: 'order.shipped',
      payload: { any: 'thing' },
    }).fields;
    const strict = createCodec({ registry: makeRegistry() });
    const error = errorOf(() => strict.decode(fields), 'CODEC_UNKNOWN_TYPE');
    expect(error.type).toBe('order.shipped');
    expect(error.message).toContain('order.created, order.paid');
    errorOf(() => strict.encode({ type: 'order.shipped', payload: 1 }), 'CODEC_UNKNOWN_TYPE');

    const lenient = createCodec({
      registry: new SchemaRegistry({ unknownTypes: 'passthrough' }).register(
        'order.paid',
        1,
        OrderPaidV1,
      ),
    });
    expect(lenient.decode(fields).payload).toEqual({ any: 'thing' });
    expect(
      lenient.encode({ type: 'order.shipped', payload: 1, schemaVersion: 7 }).fields,
    ).toContain('7');
  });

  it('a version older than the first registered one is CODEC_UNKNOWN_VERSION', () => {
    const registry = new SchemaRegistry().register('e', 2, z.object({}));
    const fields = createCodec().encode({ type: 'e', schemaVersion: 1, payload: {} }).fields;
    errorOf(() => createCodec({ registry }).decode(fields), 'CODEC_UNKNOWN_VERSION');
  });

  it('checks registrations', () => {
    const schema = z.object({});
    const registry = new SchemaRegistry().register('e', 1, schema);
    const bad = registry as unknown as {
      register(type: unknown, version: unknown, schema: unknown, upcast?: unknown): unknown;
    };
    errorOf(() => bad.register('e', 3, schema, () => ({})), 'CODEC_BAD_REGISTRATION'); // gap
    errorOf(() => bad.register('e', 1, schema, () => ({})), 'CODEC_BAD_REGISTRATION'); // again
    errorOf(() => bad.register('e', 2, schema), 'CODEC_BAD_REGISTRATION'); // no upcaster
    errorOf(() => bad.register('f', 1, schema, () => ({})), 'CODEC_BAD_REGISTRATION'); // first takes none
    errorOf(() => bad.register('f', 0, schema), 'CODEC_BAD_REGISTRATION');
    errorOf(() => bad.register('f', 1, { parse() {} }), 'CODEC_BAD_REGISTRATION');
    errorOf(() => bad.register('', 1, schema), 'CODEC_BAD_REGISTRATION');
    errorOf(() => new SchemaRegistry({ unknownTypes: 'maybe' as never }), 'CODEC_BAD_OPTION');
    expect(makeRegistry().versions('order.paid')).toEqual([1, 2, 3]);
    expect(makeRegistry().latestVersion('order.paid')).toBe(3);
    expect(makeRegistry().latestVersion('nope')).toBeUndefined();
    expect(makeRegistry().types()).toEqual(['order.created', 'order.paid']);
  });

  it('types: a handler for order.paid gets the newest version output type', () => {
    const registry = makeRegistry();
    type Registry = typeof registry;
    type Paid = PayloadOf<Registry, 'order.paid'>;
    expectTypeOf<Paid>().toEqualTypeOf<z.output<typeof OrderPaidV3>>();
    expectTypeOf<Paid['total']['minor']>().toEqualTypeOf<bigint>();
    expectTypeOf<PayloadOf<Registry, 'order.created'>>().toEqualTypeOf<
      z.output<typeof OrderCreated>
    >();

    const handlers: EventHandlers<Registry> = {
      'order.paid': (event) => {
        expectTypeOf(event.type).toEqualTypeOf<'order.paid'>();
        expectTypeOf(event.payload.paidAt).toEqualTypeOf<Date>();
      },
      'order.created': (event) => {
        expectTypeOf(event.payload.items).toEqualTypeOf<string[]>();
      },
    };
    expect(Object.keys(handlers)).toHaveLength(2);

    const route = (event: AnyTypedEvent<Registry>): string => {
      if (event.type === 'order.paid') return event.payload.total.currency; // narrowed by type
      return event.payload.items.join(',');
    };
    const codec = createCodec({ registry });
    const decoded = codec.decode(
      codec.encode({ type: 'order.created', payload: { orderId: 'o', items: ['a', 'b'] } }).fields,
    ) as AnyTypedEvent<Registry>;
    expect(route(decoded)).toBe('a,b');
    expectTypeOf<TypedEvent<Registry, 'order.paid'>>().toExtend<Omit<DecodedEvent<Paid>, 'type'>>();

    // The upcaster's parameter is the previous version's output, its result the next input.
    new SchemaRegistry()
      .register('x', 1, z.object({ a: z.string() }))
      // @ts-expect-error: v2 needs b, the upcaster does not return it
      .register('x', 2, z.object({ a: z.string(), b: z.number() }), (v1) => ({ a: v1.a }));
  });
});
