// What a million messages cost: DynamoDB calls per 10,000 messages (steady, and with one broker
// fault injected), Lambda-billed milliseconds per message for the HTTP function, and the SQS bridge
// at the batch sizes Lambda delivers (10 to 10,000 records): batch sends against one send per
// record (sequential and concurrent), in records per second, billed ms and CPU per record.
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
import { profile, type ProfileShare } from './profile.ts';
import { median } from './util.ts';

export interface CostResult {
  dynamodbCallsPer10k: { steady: number; steadySeconds: number; withFault: number; faultSeconds: number };
  billedMsPerMessage: { http: number };
  bridge: BridgeRow[];
  /** Where an invocation of the bridge with 10 records spends its time. */
  bridgeProfileAt10: ProfileShare[];
}

export type BridgeStrategy = 'batch' | 'sequential' | 'concurrent';

/** One batch size and strategy: medians over rounds. */
export interface BridgeRow {
  batchSize: number;
  strategy: BridgeStrategy;
  /** Records sent in the measured invocations, all rounds. */
  records: number;
  recordsPerSecond: number;
  billedMsPerRecord: number;
  cpuUsPerRecord: number;
  /** Per round, in round order. */
  roundRecordsPerSecond: number[];
}

export const BRIDGE_BATCH_SIZES = [10, 100, 1000, 10_000];

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

/** Long enough for V8 to optimize the path: the first row measured would otherwise pay for it. */
const BRIDGE_WARMUP_MS = 500;

async function measureInvocations(
  count: number,
  invoke: () => Promise<unknown>,
  afterWarmup?: () => void,
  warmupMs = 0,
): Promise<{ billedMs: number; elapsedMs: number }> {
  const warmUntil = performance.now() + warmupMs;
  do await invoke();
  while (performance.now() < warmUntil);
  afterWarmup?.();
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

export async function runCost(nameServer: string, dynamodbEndpoint: string | undefined, rounds = 3): Promise<CostResult> {
  const steady = dynamodbEndpoint ? await countCalls(dynamodbEndpoint, nameServer, undefined) : { calls: Number.NaN, seconds: 0 };
  const withFault = dynamodbEndpoint ? await countCalls(dynamodbEndpoint, nameServer, 2000) : { calls: Number.NaN, seconds: 0 };

  const env = {
    NAMESRV_ADDR: nameServer,
    PRODUCER_GROUP: 'bench-billing',
    ALLOWED_TOPICS: 'TopicTest',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'CRITICAL',
  };
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
  // A publish that is answered 200: refused (403, no ALLOWED_TOPICS) it would time only the refusal.
  const http = await measureInvocations(200, async () => {
    const answer = await publish(event, lambdaContext());
    if (answer.statusCode !== 200) throw new Error(`publish answered ${answer.statusCode}: ${answer.body}`);
  });

  const engine = new Engine({ env });
  const config = { ...readBridgeConfig({}), targetTopic: 'TopicTest' };
  const handlers: Record<BridgeStrategy, (e: SQSRecord[], c: Context) => Promise<unknown>> = {
    batch: withProducer<SQSRecord[], unknown>((recs, _c, rocketmq) => bridgeRecords(recs, rocketmq, config), engine),
    sequential: withProducer<SQSRecord[], unknown>(async (recs, _c, rocketmq) => {
      for (const r of recs) await rocketmq.send({ topic: 'TopicTest', body: r.body, keys: [r.messageId] });
    }, engine),
    concurrent: withProducer<SQSRecord[], unknown>(
      (recs, _c, rocketmq) => Promise.all(recs.map((r) => rocketmq.send({ topic: 'TopicTest', body: r.body, keys: [r.messageId] }))),
      engine,
    ),
  };
  const strategies = ['batch', 'sequential', 'concurrent'] as const;
  const samples = new Map<string, { records: number; rate: number; billedMsPerRecord: number; cpuUsPerRecord: number }[]>();
  for (let round = 0; round < rounds; round++) {
    for (const batchSize of BRIDGE_BATCH_SIZES) {
      // Each round starts with another strategy, so none always meets the warmer or the more tired broker.
      const order = strategies.map((_, i) => strategies[(i + round) % strategies.length]!);
      for (const strategy of order) {
        // About 10,000 records per row (5,000 one at a time: that rate does not depend on the batch).
        const total = strategy === 'sequential' ? 5000 : 10_000;
        const invocations = Math.max(2, Math.round(total / batchSize));
        const batches = Array.from({ length: invocations }, () => records(batchSize));
        const warm = records(batchSize);
        let next = 0;
        let warming = true;
        const cpu = { before: process.cpuUsage() };
        const measured = await measureInvocations(
          invocations,
          () => handlers[strategy](warming ? warm : batches[next++]!, lambdaContext()),
          () => {
            warming = false;
            cpu.before = process.cpuUsage();
          },
          BRIDGE_WARMUP_MS,
        );
        const used = process.cpuUsage(cpu.before);
        const n = invocations * batchSize;
        const key = `${batchSize}/${strategy}`;
        samples.set(key, [
          ...(samples.get(key) ?? []),
          { records: n, rate: n / (measured.elapsedMs / 1000), billedMsPerRecord: measured.billedMs / n, cpuUsPerRecord: (used.user + used.system) / n },
        ]);
      }
    }
  }
  const bridge: BridgeRow[] = BRIDGE_BATCH_SIZES.flatMap((batchSize) =>
    strategies.map((strategy) => {
      const rows = samples.get(`${batchSize}/${strategy}`)!;
      return {
        batchSize,
        strategy,
        records: rows.reduce((n, r) => n + r.records, 0),
        recordsPerSecond: median(rows.map((r) => r.rate)),
        billedMsPerRecord: median(rows.map((r) => r.billedMsPerRecord)),
        cpuUsPerRecord: median(rows.map((r) => r.cpuUsPerRecord)),
        roundRecordsPerSecond: rows.map((r) => r.rate),
      };
    }),
  );
  // The batch-of-10 row is the one a fixed per-invocation cost decides: where does that time go?
  const profiled = Array.from({ length: 1000 }, () => records(10));
  const bridgeProfileAt10 = await profile(async () => {
    for (const batch of profiled) await handlers.batch(batch, lambdaContext());
  });
  await engine.close();
  return {
    bridgeProfileAt10,
    dynamodbCallsPer10k: { steady: steady.calls, steadySeconds: steady.seconds, withFault: withFault.calls, faultSeconds: withFault.seconds },
    billedMsPerMessage: { http: http.billedMs / 200 },
    bridge,
  };
}
