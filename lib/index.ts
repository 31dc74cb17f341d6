// The public surface: what users call and the types they need. Everything else is internal.
export { createProducer, Producer, type BatchOutcome, type ProducerState, type SendOptions } from './producer/producer.ts';
export type { ProducerOptions } from './producer/options.ts';
export type { SendResult } from './producer/send-result.ts';
export type { SendContext, SendMessageHook, CheckForbiddenHook, SendMode } from './producer/hooks.ts';
export type { Message } from './message/message.ts';
export type { MessageQueue } from './route/publish-info.ts';
export { SendStatus } from './protocol/send.ts';
export { FAULT_TABLES_4X, FAULT_TABLES_5X, type FaultTables } from './producer/fault-tolerance.ts';
export { MemoryFaultStore, type FaultItem, type FaultStore } from './state/fault-store.ts';
export {
  BrokerError,
  ClientError,
  ConnectionError,
  ERROR_TABLE,
  RocketMQError,
  SendError,
  type ErrorContext,
  type ErrorName,
} from './errors.ts';
export { MemorySharedState, type SharedState, type FaultRecord, type RouteRecord, type LoadedState, type WriteOutcome } from './state/shared-state.ts';
// The DynamoDB implementation is its own entry point (lib/state/dynamodb-state.ts), so a bundle
// that does not use it does not carry the AWS SDK.
