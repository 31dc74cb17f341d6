// HTTP publish behind API Gateway (HTTP API payload 2.0 or REST API v1). Every request gets an
// answer: a 4xx for what the caller sent (nothing is sent then), a 5xx with the request id for
// what the cluster or this code did; the details of a 5xx go to the log.
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, APIGatewayProxyResult } from 'aws-lambda';
import { RocketMQError } from '../../lib/index.ts';
import { errorResponse, json, RequestError, toHttpRequest, topicPolicy, withProducer } from '../../lib/lambda/index.ts';
import { parsePublishRequest, rawField, type PublishRequest } from './request.ts';

export const handler = withProducer<APIGatewayProxyEventV2 | APIGatewayProxyEvent, APIGatewayProxyResult>(async (event, _context, rocketmq) => {
  let request: PublishRequest | undefined;
  try {
    request = parsePublishRequest(toHttpRequest(event), topicPolicy(rocketmq.config.allowedTopics));
    const options = { refuseClusterTopics: true };
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
    const error =
      request?.raw && err instanceof RocketMQError && err.context.field && rawField(err.context.field) !== err.context.field
        ? new RequestError(err.codeName, rawField(err.context.field), err.message.replace(/^[^:]+:/, `${rawField(err.context.field)}:`))
        : err;
    const response = errorResponse(error, rocketmq.requestId);
    if (response.statusCode >= 500) rocketmq.logger.error('publish failed', err as Error);
    return response;
  }
});
