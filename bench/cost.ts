// What a million messages cost: DynamoDB calls per 10,000 messages (steady, and with one broker
// fault injected), and Lambda-billed milliseconds per message for the HTTP function and for the
// SQS bridge with batches of 10 (batch sends against one send per record).
import type { APIGatewayProxyEventV2, Context, SQSRecord } from 'aws-lambda';
import { LOCAL_CREDENTIALS, localClient } from '../infra/local/dynamodb.ts';
import { brokerControl } from '../infra/local/stack.ts';
import { lambdaContext } from '../infra/local/server.ts';
import { ensureTable } from '../infra/table.ts';
import { createProducer } from '../lib/index.ts';
import { Engine } from '../lib/lambda/engine.ts';
import { withProducer } from '../lib/lambda/with-producer.ts';
import { DynamoDbSharedState } from '../lib/state/dynamodb-state.ts';
import { bridgeRecords, readBridgeConfig } from '../functions/sqs-bridge/bridge.ts';

export interface CostResult {
  dynamodbCallsPer10k: { steady: number; steadySeconds: number; withFault: number; faultSeconds: number };
  billedMsPerMessage: { http: number; bridgeBatch: number; bridgePerRecordSequential: number; bridgePerRecordConcurrent: number };
  bridgeRecordsPerSecond: { batch: number; perRecordSequential: number; perRecordConcurrent: number };
}

async function countCalls(endpoint: string, nameServer: string, faultAtMessage: number | undefined): Promise<{ calls: number; seconds: number }> {
  const client = localClient(endpoint);
  const table = `bench-cost-${Date.now()}`;
  await ensureTable(client, table);
  let calls = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      calls += 1;
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  const producer = createProducer({
    nameServers: nameServer,
    producerGroup: 'bench-cost',
    sendMsgTimeout: 1000,
    logger: () => undefined,
    sharedState: new DynamoDbSharedState({ tableName: table, client, scope: 'bench' }),
  });
  await producer.start();
  await producer.send({ topic: 'TopicTest', body: 'warm' });
  await producer.flush();
  const before = calls;
  const started = Date.now();
  let fault: Promise<void> | undefined;
  for (let i = 0; i < 10_000; i += 50) {
    if (faultAtMessage !== undefined && !fault && i >= faultAtMessage) {
      brokerControl.freeze('broker-a');
      fault = new Promise((resolve) =>
        setTimeout(() => {
          brokerControl.thaw('broker-a');
          resolve();
        }, 1500),
      );
    }
    await Promise.all(Array.from({ length: 50 }, () => producer.send({ topic: 'TopicTest', body: 'cost' }).catch(() => undefined)));
  }
  await fault;
  await producer.flush();
  const result = { calls: calls - before, seconds: (Date.now() - started) / 1000 };
  await producer.shutdown();
  client.destroy();
  return result;
}

function billed(ms: number): number {
  return Math.max(1, Math.ceil(ms)); // Lambda bills whole milliseconds
}

async function measureInvocations(count: number, invoke: () => Promise<unknown>): Promise<{ billedMs: number; elapsedMs: number }> {
  await invoke(); // warm
  let billedMs = 0;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await invoke();
    billedMs += billed(performance.now() - t0);
  }
  return { billedMs, elapsedMs: performance.now() - started };
}

function records(n: number): SQSRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    messageId: `${Date.now()}-${i}-${Math.random()}`,
    receiptHandle: 'r',
    body: `record ${i}`,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 's', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:bench',
    awsRegion: 'us-east-1',
  }));
}

export async function runCost(nameServer: string, dynamodbEndpoint: string | undefined): Promise<CostResult> {
  const steady = dynamodbEndpoint ? await countCalls(dynamodbEndpoint, nameServer, undefined) : { calls: Number.NaN, seconds: 0 };
  const withFault = dynamodbEndpoint ? await countCalls(dynamodbEndpoint, nameServer, 2000) : { calls: Number.NaN, seconds: 0 };

  const env = { NAMESRV_ADDR: nameServer, PRODUCER_GROUP: 'bench-billing', POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'CRITICAL' };
  Object.assign(process.env, env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  });
  const { handler: publish } = await import('../functions/publish/index.ts');
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: 'POST /topics/{topic}/messages',
    rawPath: '/topics/TopicTest/messages',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    isBase64Encoded: false,
    body: JSON.stringify({ body: 'billing' }),
    requestContext: {
      http: { method: 'POST', path: '/topics/TopicTest/messages', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
    } as APIGatewayProxyEventV2['requestContext'],
  };
  const http = await measureInvocations(200, () => publish(event, lambdaContext()));

  const engine = new Engine({ env });
  const config = { ...readBridgeConfig({}), targetTopic: 'TopicTest' };
  const batch = withProducer<SQSRecord[], unknown>((recs, _c, rocketmq) => bridgeRecords(recs, rocketmq, config), engine);
  const sequential = withProducer<SQSRecord[], unknown>(async (recs, _c, rocketmq) => {
    for (const r of recs) await rocketmq.send({ topic: 'TopicTest', body: r.body, keys: [r.messageId] });
  }, engine);
  const concurrent = withProducer<SQSRecord[], unknown>(
    (recs, _c, rocketmq) => Promise.all(recs.map((r) => rocketmq.send({ topic: 'TopicTest', body: r.body, keys: [r.messageId] }))),
    engine,
  );
  const invocations = 100;
  const run = (handler: (e: SQSRecord[], c: Context) => Promise<unknown>) => measureInvocations(invocations, () => handler(records(10), lambdaContext()));
  const b = await run(batch);
  const s = await run(sequential);
  const c = await run(concurrent);
  await engine.close();
  const messages = invocations * 10;
  return {
    dynamodbCallsPer10k: { steady: steady.calls, steadySeconds: steady.seconds, withFault: withFault.calls, faultSeconds: withFault.seconds },
    billedMsPerMessage: {
      http: http.billedMs / 200,
      bridgeBatch: b.billedMs / messages,
      bridgePerRecordSequential: s.billedMs / messages,
      bridgePerRecordConcurrent: c.billedMs / messages,
    },
    bridgeRecordsPerSecond: {
      batch: messages / (b.elapsedMs / 1000),
      perRecordSequential: messages / (s.elapsedMs / 1000),
      perRecordConcurrent: messages / (c.elapsedMs / 1000),
    },
  };
}
