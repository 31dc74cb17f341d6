// HTTP publish behind API Gateway (HTTP API payload 2.0 or REST API v1).
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, APIGatewayProxyResult } from 'aws-lambda';
import { errorResponse, json, toHttpRequest } from '../../lib/lambda/http.ts';
import { withProducer } from '../../lib/lambda/with-producer.ts';
import { parsePublishRequest } from './request.ts';

export const handler = withProducer<APIGatewayProxyEventV2 | APIGatewayProxyEvent, APIGatewayProxyResult>(async (event, _context, rocketmq) => {
  try {
    const request = parsePublishRequest(toHttpRequest(event));
    if (request.kind === 'batch') return json(200, { results: await rocketmq.sendBatch(request.messages) });
    const [message] = request.messages;
    switch (request.mode) {
      case 'oneway':
        await rocketmq.producer.sendOneway(message!, { deadline: rocketmq.deadline });
        return json(202, { accepted: true, mode: 'oneway' });
      case 'async':
        // Async retry rules, but the result is still awaited inside this invocation.
        return json(200, { result: await rocketmq.producer.sendAsync(message!, { deadline: rocketmq.deadline }) });
      default:
        return json(200, { result: await rocketmq.send(message!) });
    }
  } catch (err) {
    const response = errorResponse(err);
    if (response.statusCode >= 500) rocketmq.logger.error('publish failed', err as Error);
    return response;
  }
});
