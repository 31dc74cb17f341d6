// HTTP publish behind API Gateway (HTTP API payload 2.0 or REST API v1): the rules and answers of
// ../shared/publish.ts, with the container's warm producer, and with the state table a record of
// each Idempotency-Key (./idempotency.ts) when PUBLISH_ONCE is on.
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, APIGatewayProxyResult, Context } from 'aws-lambda';
import { toHttpRequest } from '../../lib/lambda/functions-kit.ts';
import { ConfigError, prepareInInit, withProducer, type Invocation, type ProducerHandler, type WarmUp } from '../../lib/lambda/index.ts';
import { answerPublish, type KeyGuard } from '../shared/publish.ts';

/** A record per key in the state table (Powertools Idempotency), loaded with the AWS SDK on first use. */
function keyGuard(rocketmq: Invocation, context: Context): KeyGuard | undefined {
  const { stateTable, stateScope } = rocketmq.config;
  if (!stateTable) return undefined;
  return async ({ topic, key, messages }, publish) => {
    const { onceByKey, payloadHash } = await import('./idempotency.ts');
    return onceByKey({ key: `${topic}\u0000${key}`, payload: payloadHash(messages) }, { table: stateTable, scope: stateScope, context }, publish);
  };
}

/** The function's work, for any engine (tests run it against clusters configured otherwise). */
export const publish: ProducerHandler<APIGatewayProxyEventV2 | APIGatewayProxyEvent, APIGatewayProxyResult> = (event, context, rocketmq) => {
  const guard = keyGuard(rocketmq, context);
  return answerPublish(() => toHttpRequest(event), guard ? { ...rocketmq, keyGuard: guard } : rocketmq, process.env);
};

export const handler = withProducer(publish);

/** The init phase's warm-up (WARM_UP_TOPIC): one request through this handler, as API Gateway sends it. */
export const warmUp: WarmUp = ({ topic, ...message }, context, engine) => {
  const path = `/topics/${encodeURIComponent(topic)}/messages`;
  const event = {
    version: '2.0',
    rawPath: path,
    headers: { 'content-type': 'application/json' },
    requestContext: { http: { method: 'POST', path } },
    body: JSON.stringify(message),
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
  // Logged by the engine: a topic outside ALLOWED_TOPICS, for one, warms nothing.
  return withProducer(publish, engine)(event, context as Context).then((response) => {
    if (response.statusCode !== 200) throw new ConfigError('WARM_UP_TOPIC', `the warm-up request was answered ${response.statusCode}: ${response.body}`);
  });
};

// Lambda's init phase: the producer started, routes fetched and brokers connected before the first request.
await prepareInInit([], undefined, undefined, warmUp);
