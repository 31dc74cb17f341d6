// The public surface (the package's "." entry): what users call and the types they need.
// Everything else is internal. The Lambda adapter ("./lambda") and the DynamoDB shared state
// ("./dynamodb") are their own entry points, so a bundle that uses neither carries neither the
// Powertools nor the AWS SDK.
export { createProducer } from './producer/producer.ts';
export type {
  BatchOutcome,
  ProbeOutcome,
  Producer,
  ProducerState,
  ProducerStats,
  RefreshOutcome,
  SendOptions,
  SettledBatchOptions,
  StartOptions,
  HalfMessage,
  LocalTransaction,
  LocalTransactionState,
  TransactionDecision,
  TransactionOutcome,
} from './producer/api.ts';
export type { MessageTraceOptions, ProducerOptions } from './producer/options.ts';
export { SCOPE_COUNTERS, WorkScope, type ScopeCounter, type ScopeSource } from './producer/scope.ts';
export type { SendResult } from './producer/send-result.ts';
export type { RecallOptions, RecallResult } from './producer/recall.ts';
export type { StoredLookup } from './producer/lookup.ts';
export type { SendContext, SendMessageHook, CheckForbiddenHook, SendMode } from './producer/hooks.ts';
export { checkTopic, type Message } from './message/message.ts';
export { stableMessageId } from './message/uniq-id.ts';
export type { MessageQueue } from './route/publish-info.ts';
export { sameRoute, type BrokerData, type QueueData, type TopicRouteData } from './protocol/topic-route.ts';
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
  errorSpec,
  type ErrorContext,
  type ErrorName,
  type ErrorSpec,
} from './errors.ts';
export { MemorySharedState, type SharedState, type FaultRecord, type RouteRecord, type LoadedState, type WriteOutcome } from './state/shared-state.ts';
export type { AclCredentials } from './remoting/acl.ts';
export type { TlsSettings } from './remoting/connection.ts';
