// Event shapes as AWS delivers them (API Gateway HTTP API 2.0 and REST v1, SQS, EventBridge),
// trimmed to the fields the handlers may read but complete in structure.
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, ScheduledEvent, SQSEvent, SQSRecord } from 'aws-lambda';

export { lambdaContext } from '../../infra/local/server.ts';

export function httpApiEvent(
  method: string,
  path: string,
  body: string | Buffer | undefined,
  headers: Record<string, string> = {},
  base64 = false,
): APIGatewayProxyEventV2 {
  const text = body === undefined ? undefined : Buffer.isBuffer(body) || base64 ? Buffer.from(body).toString('base64') : body;
  return {
    version: '2.0',
    routeKey: `${method} ${path.replace(/\/topics\/[^/]+/, '/topics/{topic}')}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-length': String(text?.length ?? 0), host: 'abc123.execute-api.us-east-1.amazonaws.com', ...headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'curl/8.0' },
      requestId: randomUUID(),
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    pathParameters: { topic: path.split('/')[2] ?? '' },
    isBase64Encoded: Buffer.isBuffer(body) || base64,
    ...(text === undefined ? {} : { body: text }),
  };
}

export function restApiEvent(method: string, path: string, body: string, headers: Record<string, string> = {}): APIGatewayProxyEvent {
  return {
    resource: '/topics/{topic}/messages',
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { topic: path.split('/')[2] ?? '' },
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'rest123',
      authorizer: {},
      protocol: 'HTTP/1.1',
      httpMethod: method,
      identity: { sourceIp: '203.0.113.7' } as APIGatewayProxyEvent['requestContext']['identity'],
      path: `/prod${path}`,
      stage: 'prod',
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'abc',
      resourcePath: '/topics/{topic}/messages',
    },
    body,
    isBase64Encoded: false,
  };
}

export function sqsRecord(body: string, attributes: Record<string, string> = {}, fifo?: { groupId: string; sequence: number }): SQSRecord {
  const queue = fifo ? 'bridge.fifo' : 'bridge';
  return {
    messageId: randomUUID(),
    receiptHandle: `AQEB${randomUUID()}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
      ...(fifo ? { MessageGroupId: fifo.groupId, SequenceNumber: String(fifo.sequence), MessageDeduplicationId: randomUUID() } : {}),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(attributes).map(([k, v]) => [k, { stringValue: v, stringListValues: [], binaryListValues: [], dataType: 'String' }]),
    ),
    md5OfBody: '0'.repeat(32),
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:123456789012:${queue}`,
    awsRegion: 'us-east-1',
  };
}

export function sqsEvent(records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

export function scheduledEvent(): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: ['arn:aws:events:us-east-1:123456789012:rule/route-refresh'],
    detail: {},
  };
}
