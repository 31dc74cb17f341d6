// The internal entry, for the project's own tests and benchmarks (nats.js's internal_mod): the
// classes behind the public interfaces and the protocol pieces, reachable without reading private
// fields. Not one of the package's exports; nothing in lib/ or functions/ imports it.
import type { ProducerOptions } from './producer/options.ts';
import { ProducerImpl } from './producer/producer.ts';

export * from './index.ts';
export * from './lambda/index.ts';
export * from './lambda/functions-kit.ts';
export { ProducerImpl } from './producer/producer.ts';
export { fieldError, invalidArgument, isAccessDenied, rocketError } from './errors.ts';
export { classify } from './producer/send-loop.ts';
export { buildClientId } from './producer/client-id.ts';
export { sendHeartbeats, unregisterClient } from './producer/heartbeats.ts';
export { hashQueueIndex, javaStringHash } from './message/java-hash.ts';
export { decodeProperties, encodeProperties } from './message/properties.ts';
export { parseUniqId, UniqIdGenerator } from './message/uniq-id.ts';
export { LatencyFaultTolerance, notAvailableDuration } from './producer/fault-tolerance.ts';
export { IsolationProbe } from './producer/isolation-probe.ts';
export { prepareMessage, unwrapNamespace, wrapNamespace } from './producer/prepare.ts';
export { rehearseSend } from './producer/rehearsal.ts';
export { resolveOptions } from './producer/options.ts';
export { QueueSelector, selectByShardingKey } from './producer/queue-selector.ts';
export { parseLenientJson, quoteBareNumericKeys } from './protocol/lenient-json.ts';
export { sendRequest, type SendHeader } from './protocol/send.ts';
export { parseTopicRouteData, sameRoute, type TopicRouteData } from './protocol/topic-route.ts';
export { decodeOffsetMsgId, decodeStoredMessage, parseViewResponse, viewMessageRequest, type StoredMessage } from './protocol/view-message.ts';
export { FrameAccumulator } from './remoting/accumulator.ts';
export { signRequest } from './remoting/acl.ts';
export { RequestCode, ResponseCode } from './remoting/codes.ts';
export type { RemotingCommand, RequestCommand } from './remoting/command.ts';
export { SerializeType } from './remoting/command.ts';
export { Connection, reply, type ConnectionOptions } from './remoting/connection.ts';
export { decodeFrame, encodeBinaryFrame, encodeFrameAs, encodeJsonFrame, MAX_FRAME_LENGTH } from './remoting/frame.ts';
export { RemotingClient } from './remoting/remoting-client.ts';
export { NameServerClient } from './route/name-server.ts';
export { capDefaultTopicRoute, toPublishInfo } from './route/publish-info.ts';
export { RouteCache } from './route/route-cache.ts';
export * from './dynamodb.ts';
export { StateSync, type CallScope } from './state/state-sync.ts';

/** A producer with its parts in reach (routes, faults, sockets, shared state), for tests. */
export function createInternalProducer(options: ProducerOptions): ProducerImpl {
  return new ProducerImpl(options);
}
