export { decodeEvent, encodeEvent, eventSchemaVersion, eventTypeName, fromProtoEvent, toProtoEvent } from './codec.js';
export type { ProtoEvent } from './codec.js';
export { EventDecodeError, isEventDecodeError } from './errors.js';
export { decodeEventBatch, encodeEventBatch, framedEventBytes } from './batch.js';
