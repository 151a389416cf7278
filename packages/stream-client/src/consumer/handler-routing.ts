import type { RegisteredTypes, TypedEvent } from '@redstream/codec';
import { UnroutableEventError } from '../errors.js';
import type { HandlerContext } from './handler-context.js';
import type { EventHandler } from './subscribe-options.js';

/**
 * A handler per event type, each typed by a codec registry `R` (`createSchemaRegistry(...)`):
 * `handlers: { 'order.paid': (event, ctx) => ... } satisfies TypedHandlers<typeof registry>`.
 * The codec's `EventHandlers<R>` map (handlers without a context) is one too.
 */
export type TypedHandlers<R> = {
  [T in keyof RegisteredTypes<R> & string]?: (
    event: TypedEvent<R, T>,
    context: HandlerContext,
  ) => void | Promise<void>;
};

/**
 * What the `handlers` option takes: any map from event type to handler. Each handler's event
 * parameter may be narrower than a plain decoded event (a registry's typed event); routing by
 * `event.type` is what makes that narrowing true.
 */
export type HandlerMap = Readonly<
  Record<string, ((event: never, context: HandlerContext) => void | Promise<void>) | undefined>
>;

/**
 * One handler that calls the map's handler for `event.type`, or `fallback` for a type the map
 * does not have. Without a fallback such an event is refused (`UnroutableEventError`, not
 * retriable) and so dead-lettered with reason `no-handler`: retrying would not route it.
 */
export function routeByType(handlers: HandlerMap, fallback?: EventHandler): EventHandler {
  const routes = new Map<string, EventHandler>();
  for (const [type, handler] of Object.entries(handlers))
    if (handler !== undefined) routes.set(type, handler as unknown as EventHandler);
  const known = [...routes.keys()];
  return (event, context) => {
    const handler = routes.get(event.type) ?? fallback;
    if (handler === undefined) throw new UnroutableEventError(event.type, known);
    return handler(event, context);
  };
}
