export { type DemoCounters, readDemoReport } from './demo-report.js';
export {
  createOrderRegistry,
  eventTypeFor,
  isOrderEventType,
  ORDER_EVENT_TYPES,
  ORDER_STATUSES,
  type OrderEventType,
  type OrderItem,
  type OrderPayload,
  type OrderRegistry,
  type OrderStatus,
  RUN_ID_PATTERN,
  statusForSeq,
} from './order-events.js';
export {
  type OrderEvent,
  OrderGenerator,
  type OrderGeneratorOptions,
} from './order-generator.js';
export {
  OrderHandler,
  type OrderHandlerOptions,
  type OrderOutcome,
} from './order-handler.js';
export { CounterField, OrderStateKeys } from './order-state-keys.js';
export { type OrderState, readOrderState } from './order-state-reader.js';
export { isRunId, newRunId } from './run-id.js';
