// The HTTP publish function's work, whatever runs it: the Lambda function (functions/publish, a
// warm producer per container) and the Worker (functions/edge-publish, a producer per request)
// hand it the request and what to publish with, and get the one answer of the rules in
// ./request.ts: a 4xx for what the caller sent (nothing is sent then), a 5xx with the request id
// for what the cluster or this code did, whose details go to the log.
import type { APIGatewayProxyResult } from 'aws-lambda';
import { RocketMQError } from '../../lib/index.ts';
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
export type Publisher = Pick<Invocation, 'send' | 'sendAsync' | 'sendOneway' | 'sendBatch' | 'recall' | 'transactions' | 'deadline' | 'requestId'> & {
  config: Pick<Invocation['config'], 'allowedTopics' | 'traceProperties'>;
  logger: { error(message: string, err: Error): void };
};

/**
 * A transactional publish: POST .../transactions sends the half message and records it in the
 * ledger (200 with its transactionId; left open, it is ended by the resolver after timeoutSeconds,
 * as TRANSACTION_ON_TIMEOUT says); POST /transactions/{id}/commit|rollback ends it.
 */
async function transaction(request: Extract<PublishRequest, { kind: 'begin' | 'end' }>, rocketmq: Publisher): Promise<APIGatewayProxyResult> {
  const transactions = rocketmq.transactions;
  if (!transactions) throw new RequestError('TRANSACTIONS_DISABLED', undefined);
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
      parsePublishRequest(http, topicPolicy(rocketmq.config.allowedTopics)),
      contextFromHeaders(http.headers, env),
      rocketmq.config.traceProperties,
    );
    const options = { refuseClusterTopics: true };
    if (request.kind === 'begin' || request.kind === 'end') return await transaction(request, rocketmq);
    if (request.kind === 'recall') return json(200, { recalled: await rocketmq.recall(request.topic, request.recallHandle) });
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
