export { isEventReference, journalEventResolver } from './claim-check.js';
export type { EventResolver, EventSource } from './claim-check.js';
export { connectToNats } from './connect.js';
export type { ConnectToNatsOptions, NatsAuth } from './connect.js';
export { DurableEventConsumer, ensureDurableConsumer } from './durable-consumer.js';
export type { DeliveredEvent, DurableEventConsumerOptions, EventBatchHandler } from './durable-consumer.js';
export {
  BusConfigConflictError,
  BusNatsError,
  UnresolvedEventError,
  isBusConfigConflictError,
  isBusNatsError,
  isUnresolvedEventError,
} from './errors.js';
export { eventHeaders, journalReference } from './headers.js';
export type { TraceContext, TraceContextHook } from './headers.js';
export type { BusLogger } from './logger.js';
export { JetStreamEventPublisher } from './publisher.js';
export type { JetStreamEventPublisherOptions } from './publisher.js';
export { ensureEventStream } from './stream.js';
export type { EventStreamOptions } from './stream.js';
export { eventMessageId, threadSubject } from './subjects.js';
export { watchThreadEvents } from './watch-thread.js';
export type { WatchStart, WatchThreadOptions, WatchedEvent } from './watch-thread.js';
