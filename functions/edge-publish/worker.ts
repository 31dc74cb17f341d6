// HTTP publish from Cloudflare Workers: the routes, topic allowlist, 4xx codes and trace context of
// the Lambda publish function (../shared/publish.ts), behind a bearer token (./auth.ts), with a
// producer made and shut down inside each request (rocketmq-lambda/edge). Every answer is given
// after the producer's sockets are closed: a send is confirmed or failed by then, never left to
// run after the response. One JSON log line per request says what it cost: route lookups, sockets.
// With STATE_TABLE (and AWS credentials as secrets), routes and broker isolations are shared with
// every isolate and Lambda container through DynamoDB; without it, per isolate in memory.
// Transactions are not offered here (they need the resolver that ends abandoned ones): 501.
import { type SharedState, withEdgeProducer, type ProducerStats } from '../../lib/edge.ts';
import type { EdgeConfig } from './config.ts';
import { errorResponse, producerOptions, type HttpRequest } from '../../lib/lambda/functions-kit.ts';
import { answerPublish, type Publisher } from '../shared/publish.ts';
import { authorize } from './auth.ts';
import { readEdgeConfig } from './config.ts';

type Answer = { statusCode: number; headers?: Record<string, string | number | boolean>; body: string };

async function toHttpRequest(request: Request): Promise<HttpRequest> {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value; // Headers are lowercase already
  });
  return { method: request.method, path: new URL(request.url).pathname, headers, body: Buffer.from(await request.arrayBuffer()) };
}

const toResponse = (answer: Answer) => new Response(answer.body, { status: answer.statusCode, headers: answer.headers as Record<string, string> });

const NO_TRANSACTIONS = 'the edge publish Worker does not run transactions: use the Lambda publish function, beside the resolver that ends abandoned ones';

/**
 * The DynamoDB state of STATE_TABLE, the SDK loaded on the first request that needs it: an isolate
 * without STATE_TABLE never evaluates it.
 */
async function sharedStateOf(config: EdgeConfig, env: object): Promise<SharedState | undefined> {
  if (!config.stateTable) return undefined;
  const { edgeDynamoDbState } = await import('../../lib/dynamodb.ts');
  return edgeDynamoDbState(env, { tableName: config.stateTable, scope: config.stateScope });
}

const log = (entry: Record<string, unknown>) => console.log(JSON.stringify({ component: 'edge-publish', ...entry }));

async function publish(request: Request, env: object, requestId: string): Promise<{ answer: Answer; stats?: ProducerStats }> {
  try {
    const config = readEdgeConfig(env);
    await authorize(request.headers.get('authorization'), config.publishToken);
    const http = await toHttpRequest(request);
    let stats: ProducerStats | undefined;
    const sharedState = await sharedStateOf(config, env);
    const options = { ...producerOptions(config), ...(sharedState ? { sharedState } : {}), onClosed: (final: ProducerStats) => (stats = final) };
    const answer = await withEdgeProducer(options, (producer) => {
      const deadline = Date.now() + config.sendTimeoutMs;
      const publisher: Publisher = {
        send: (message, sendOptions) => producer.send(message, sendOptions),
        sendAsync: (message, sendOptions) => producer.sendAsync(message, sendOptions),
        sendOneway: (message, sendOptions) => producer.sendOneway(message, sendOptions),
        sendBatch: (messages, sendOptions) => producer.sendBatch(messages, sendOptions),
        recall: (topic, handle) => producer.recall(topic, handle, { deadline }),
        lookupStored: (topic, uniqKey) => producer.lookupStored(topic, uniqKey, Date.now() + (deadline - Date.now()) / 3),
        transactions: undefined,
        noTransactions: NO_TRANSACTIONS,
        deadline,
        requestId,
        config,
        logger: { error: (message, err) => log({ level: 'ERROR', requestId, message, error: err.stack ?? String(err) }) },
      };
      // No X-Ray header of an invocation here: trace context comes from the request's headers only.
      return answerPublish(() => http, publisher, {});
    });
    return { answer, ...(stats ? { stats } : {}) };
  } catch (err) {
    // Refused before any producer (auth, configuration), or the producer could not be made.
    return { answer: errorResponse(err, requestId) };
  }
}

/** What the request asked of DynamoDB, and whether it answered. */
const sharedStateCounters = ({ reads, writes, errors, degraded, routesLoaded, isolationsLearned }: NonNullable<ProducerStats['sharedState']>) => ({
  reads,
  writes,
  errors,
  degraded,
  routesLoaded,
  isolationsLearned,
});

export default {
  async fetch(request: Request, env: object): Promise<Response> {
    const begun = Date.now();
    const requestId = request.headers.get('cf-ray') ?? crypto.randomUUID();
    const { answer, stats } = await publish(request, env, requestId);
    log({
      requestId,
      status: answer.statusCode,
      ms: Date.now() - begun,
      ...(stats ? { routeLookups: stats.routeLookups, sends: stats.sends, attempts: stats.attempts, sockets: stats.sockets } : {}),
      ...(stats?.sharedState ? { sharedState: sharedStateCounters(stats.sharedState) } : {}),
    });
    return toResponse(answer);
  },
};
