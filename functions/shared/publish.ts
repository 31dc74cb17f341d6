// The HTTP publish function's work, whatever runs it: the Lambda function (functions/publish, a
// warm producer per container) and the Worker (functions/edge-publish, a producer per request)
// hand it the request and what to publish with, and get the one answer of the rules in
// ./request.ts: a 4xx for what the caller sent (nothing is sent then), a 5xx with the request id
// for what the cluster or this code did, whose details go to the log.
import type { APIGatewayProxyResult } from 'aws-lambda';
import { type Message, RocketMQError, type SendResult, stableMessageId } from '../../lib/index.ts';
import {
  contextFromHeaders,
  errorResponse,
  json,
  RequestError,
  topicPolicy,
  withField,
  withTraceContext,
  type HttpRequest,
  type TraceContext,
  type TraceProperties,
} from '../../lib/lambda/functions-kit.ts';
import type { Invocation } from '../../lib/lambda/index.ts';
import { parsePublishRequest, rawField, type PublishRequest } from './request.ts';

/** What publishing needs of its runtime: the Lambda adapter's Invocation has it all. */
export type Publisher = Pick<
  Invocation,
  'send' | 'sendAsync' | 'sendOneway' | 'sendBatch' | 'recall' | 'lookupStored' | 'transactions' | 'deadline' | 'requestId'
> & {
  config: Pick<Invocation['config'], 'allowedTopics' | 'traceProperties' | 'publishOnce'>;
  logger: { error(message: string, err: Error): void };
  /**
   * PUBLISH_ONCE with a record of each key (the Lambda function's, in the state table): runs
   * `publish` at most once per key, answering the first results to a later retry. Without it,
   * the brokers alone are asked.
   */
  keyGuard?: KeyGuard;
  /** Why `transactions` is undefined, when not for want of STATE_TABLE (the answer's detail). */
  noTransactions?: string;
};

/** Runs `publish` for a keyed request at most once; `replayed` when the answer is an earlier one's. */
export type KeyGuard = (
  keyed: { topic: string; key: string; messages: Message[] },
  publish: () => Promise<SendResult[]>,
) => Promise<{ results: SendResult[]; replayed: boolean }>;

/**
 * An Idempotency-Key (the IETF httpapi draft: a structured-field string, or a bare token) makes
 * the UNIQ_KEY of each message of the request: a retry with the key carries the same ids, so a
 * copy stored twice is recognizable. The time part is the hour the request came in (UTC): a
 * retry within it has the same ids (the admin tool searches from the id's time on, so it is never
 * later than the store time). A retry in the next hour gets other ids; publishing once looks up
 * the previous hour's as well.
 */
const IDEMPOTENCY_WINDOW_MS = 3_600_000;
const keyedIds = (request: { kind: string; topic: string }, key: string, count: number, at: number) =>
  Array.from({ length: count }, (_, i) =>
    stableMessageId(`http:${request.topic}:${key}${request.kind === 'batch' ? `:${i}` : ''}`, Math.floor(at / IDEMPOTENCY_WINDOW_MS) * IDEMPOTENCY_WINDOW_MS),
  );
function withIdempotencyKey(request: PublishRequest, header: string | undefined, now = Date.now()): PublishRequest {
  if (header === undefined || (request.kind !== 'single' && request.kind !== 'batch')) return request;
  const key = /^"(.*)"$/.exec(header)?.[1] ?? header;
  if (!/^[\x20-\x7e]{1,255}$/.test(key)) throw new RequestError('INVALID_ARGUMENT', 'idempotency-key', 'must be 1 to 255 printable ASCII characters');
  const ids = keyedIds(request, key, request.messages.length, now);
  const previousIds = keyedIds(request, key, request.messages.length, now - IDEMPOTENCY_WINDOW_MS);
  return { ...request, idempotencyKey: key, previousIds, messages: request.messages.map((m, i) => ({ ...m, id: ids[i]! })) };
}

/** The parts of a message its sender vouches for: a stored copy that differs is another message. */
function sameMessage(message: Message, copy: { body: Buffer; properties: Map<string, string> }): boolean {
  const body = typeof message.body === 'string' ? Buffer.from(message.body) : Buffer.from(message.body);
  const keys = message.keys === undefined ? undefined : Array.isArray(message.keys) ? message.keys.join(' ') : message.keys;
  return body.equals(copy.body) && message.tags === copy.properties.get('TAGS') && keys === copy.properties.get('KEYS');
}

type KeyedRequest = Extract<PublishRequest, { kind: 'single' | 'batch' }>;

/**
 * The results of the first request when the brokers hold every message of it already (422 when
 * the key came with other messages), undefined when they do not or cannot tell: then it is sent,
 * as a duplicate with the same ids at worst.
 */
async function earlierResults(request: KeyedRequest, rocketmq: Publisher): Promise<SendResult[] | undefined> {
  const find = (ids: string[]) =>
    Promise.all(
      ids.map((id) =>
        rocketmq.lookupStored(request.topic, id).then(
          (l) => (l.stored ? l : undefined),
          () => undefined,
        ),
      ),
    );
  // This hour's ids and the previous hour's, in parallel: a retry may come after the hour turned.
  const [current, previous] = await Promise.all([find(request.messages.map((m) => m.id!)), find(request.previousIds ?? [])]);
  const copies = current.some((c) => c) ? current : previous;
  if (copies.some((c, i) => c && !sameMessage(request.messages[i]!, c))) {
    throw new RequestError('IDEMPOTENCY_KEY_REUSED', 'idempotency-key', 'this key was used with other messages');
  }
  return copies.length > 0 && copies.every((c) => c) ? copies.map((c) => c!.stored) : undefined;
}

/** Sends a keyed request as its mode says; a batch is one request, stored whole or not at all. */
async function sendKeyed(request: KeyedRequest, rocketmq: Publisher): Promise<SendResult[]> {
  const options = { refuseClusterTopics: true };
  if (request.kind === 'batch') return rocketmq.sendBatch(request.messages, { ...options, atomic: true });
  const [message] = request.messages;
  return [await (request.mode === 'async' ? rocketmq.sendAsync(message!, options) : rocketmq.send(message!, options))];
}

/**
 * PUBLISH_ONCE for a keyed request: the brokers are asked first (a copy stored by an earlier try is
 * answered, not sent again); with a key guard (the state table), a record of the key as well, so a
 * retry while the first is in flight is 409 and one after it gets the first results.
 */
async function publishOnce(request: KeyedRequest, key: string, rocketmq: Publisher): Promise<{ results: SendResult[]; replayed: boolean }> {
  const byBrokers = async () => {
    const earlier = await earlierResults(request, rocketmq);
    return earlier ? { results: earlier, replayed: true } : { results: await sendKeyed(request, rocketmq), replayed: false };
  };
  if (!rocketmq.keyGuard) return byBrokers();
  let replayedByBrokers = false;
  const guarded = await rocketmq.keyGuard({ topic: request.topic, key, messages: request.messages }, async () => {
    const outcome = await byBrokers();
    replayedByBrokers = outcome.replayed;
    return outcome.results;
  });
  return { results: guarded.results, replayed: guarded.replayed || replayedByBrokers };
}

/**
 * A transactional publish: POST .../transactions sends the half message and records it in the
 * ledger (200 with its transactionId; left open, it is ended by the resolver after timeoutSeconds,
 * as TRANSACTION_ON_TIMEOUT says); POST /transactions/{id}/commit|rollback ends it.
 */
async function transaction(request: Extract<PublishRequest, { kind: 'begin' | 'end' }>, rocketmq: Publisher): Promise<APIGatewayProxyResult> {
  const transactions = rocketmq.transactions;
  if (!transactions) throw new RequestError('TRANSACTIONS_DISABLED', undefined, rocketmq.noTransactions);
  if (request.kind === 'begin') {
    const dueInMs = (request.timeoutSeconds ?? 60) * 1000;
    const half = await transactions.begin(request.message, { deadline: rocketmq.deadline, refuseClusterTopics: true, dueInMs });
    return json(200, { transactionId: half.transactionId, msgId: half.msgId, resolvedAfter: new Date(Date.now() + dueInMs).toISOString() });
  }
  const outcome = await transactions.finish(request.transactionId, request.decision, rocketmq.deadline);
  if (outcome.state === 'UNKNOWN_TRANSACTION') throw new RequestError('UNKNOWN_TRANSACTION', 'transactionId');
  if (outcome.state !== request.decision && !(outcome.state === 'ENDED' && outcome.ended)) {
    throw new RequestError('TRANSACTION_DECIDED', undefined, `the transaction was decided otherwise (${outcome.state})`);
  }
  return json(200, { transactionId: request.transactionId, state: request.decision, ended: outcome.ended });
}

/** The request's trace context, in every message it publishes. */
function withTrace(request: PublishRequest, context: TraceContext, names: TraceProperties): PublishRequest {
  if (request.kind === 'end' || request.kind === 'recall') return request;
  if (request.kind === 'begin') return { ...request, message: withTraceContext(request.message, context, names) };
  return { ...request, messages: request.messages.map((m) => withTraceContext(m, context, names)) };
}

/**
 * Answers one publish request. `read` gives the request (its failure is answered too); `env` is
 * where the X-Ray header of the invocation is looked up when the request carries none.
 */
export async function answerPublish(read: () => HttpRequest, rocketmq: Publisher, env: NodeJS.ProcessEnv): Promise<APIGatewayProxyResult> {
  let request: PublishRequest | undefined;
  try {
    const http = read();
    request = withTrace(
      withIdempotencyKey(parsePublishRequest(http, topicPolicy(rocketmq.config.allowedTopics)), http.headers['idempotency-key']),
      contextFromHeaders(http.headers, env),
      rocketmq.config.traceProperties,
    );
    const options = { refuseClusterTopics: true };
    if (request.kind === 'begin' || request.kind === 'end') return await transaction(request, rocketmq);
    if (request.kind === 'recall') return json(200, { recalled: await rocketmq.recall(request.topic, request.recallHandle) });
    if (rocketmq.config.publishOnce && request.idempotencyKey !== undefined && request.mode !== 'oneway') {
      const { results, replayed } = await publishOnce(request, request.idempotencyKey, rocketmq);
      const headers: Record<string, string> = replayed ? { 'idempotent-replayed': 'true' } : {};
      return request.kind === 'batch' ? json(200, { results }, headers) : json(200, { result: results[0] }, headers);
    }
    // One request, stored whole or not at all: 200 means every message, a 5xx none of them.
    if (request.kind === 'batch') return json(200, { results: await rocketmq.sendBatch(request.messages, { ...options, atomic: true }) });
    const [message] = request.messages;
    switch (request.mode) {
      case 'oneway':
        await rocketmq.sendOneway(message!, options);
        return json(202, { accepted: true, mode: 'oneway' });
      case 'async':
        // Async retry rules, but the result is still awaited inside this invocation.
        return json(200, { result: await rocketmq.sendAsync(message!, options) });
      default:
        return json(200, { result: await rocketmq.send(message!, options) });
    }
  } catch (err) {
    const error = request?.raw && err instanceof RocketMQError && err.context.field ? withField(err, rawField(err.context.field)) : err;
    const response = errorResponse(error, rocketmq.requestId);
    if (response.statusCode >= 500) rocketmq.logger.error('publish failed', err as Error);
    return response;
  }
}
