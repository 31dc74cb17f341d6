// HTTP publish behind API Gateway (HTTP API payload 2.0 or REST API v1): the rules and answers of
// ../shared/publish.ts, with the container's warm producer.
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, APIGatewayProxyResult } from 'aws-lambda';
import { toHttpRequest } from '../../lib/lambda/functions-kit.ts';
import { prepareInInit, withProducer, type ProducerHandler } from '../../lib/lambda/index.ts';
import { answerPublish } from '../shared/publish.ts';

/** The function's work, for any engine (tests run it against clusters configured otherwise). */
export const publish: ProducerHandler<APIGatewayProxyEventV2 | APIGatewayProxyEvent, APIGatewayProxyResult> = (event, _context, rocketmq) =>
  answerPublish(() => toHttpRequest(event), rocketmq, process.env);

export const handler = withProducer(publish);

// Lambda's init phase: the producer started, routes fetched and brokers connected before the first request.
await prepareInInit();
