// Message trace against the real brokers, read back the way the RocketMQ Dashboard reads it: the
// trace topic queried by message id through the Java admin client and decoded by the Java client's
// own TraceView / TraceDataEncoder (test/support/java/DashboardTrace.java). The Java producer's
// own trace record of the same kind of send is the reference for every field.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { publish } from '../../functions/publish/index.ts';
import { ensureRocketMqJars } from '../../infra/local/jars.ts';
import { createInternalProducer, Engine, type Invocation, type ProducerImpl, withProducer } from '../../lib/internal.ts';
import { httpApiEvent, lambdaContext } from '../support/events.ts';

const run = promisify(execFile);
const stack = inject('stack');
const jars = ensureRocketMqJars();
const TRACE_TOPIC = 'RMQ_SYS_TRACE_TOPIC';

interface DashboardRecord {
  traceType: string;
  msgId: string;
  topic: string;
  groupName: string;
  tags: string;
  keys: string;
  storeHost: string;
  clientHost: string;
  status: string;
  offsetMsgId: string;
  regionId: string;
  messageType: string | null;
  transactionId: string | null;
  transactionState: string | null;
  fromTransactionCheck: boolean;
  bodyLength: number;
  costTime: number;
  timeStamp: number;
  traceMessageKeys: string;
}

async function java(args: string[]): Promise<string> {
  const source = join(import.meta.dirname, '..', 'support', 'java', 'DashboardTrace.java');
  const { stdout } = await run('java', ['-Xmx256m', '-cp', `${jars}/*`, source, ...args], { timeout: 60_000 });
  return stdout;
}

/** What the Dashboard shows for these message ids, one record per trace record found. */
async function dashboard(msgIds: string[], topic = TRACE_TOPIC): Promise<DashboardRecord[]> {
  const out = await java(['query', stack.nameServer, topic, ...msgIds]);
  return out
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as DashboardRecord);
}

const brokerAddress = (brokerName: string) => stack.brokers[brokerName as 'broker-a'].address;

describe('message trace on the real brokers', () => {
  const producer = createInternalProducer({ nameServers: [stack.nameServer], producerGroup: 'traced', messageTrace: true, logger: () => undefined });
  beforeAll(() => producer.start());
  afterAll(() => producer.shutdown());

  it('leaves one record per message, as the Dashboard decodes it: sync, async, delayed, each message of a batch, a transaction', async () => {
    const before = Date.now();
    const sync = await producer.send({ topic: 'TopicTest', body: 'traced sync', tags: 'TagA', keys: ['order-1', 'order-2'] });
    const async = await producer.sendAsync({ topic: 'TopicTest', body: 'traced async' });
    const delayed = await producer.send({ topic: 'TopicTest', body: 'traced delayed', delayLevel: 1 });
    const timer = await producer.send({ topic: 'TopicTest', body: 'traced timer', delayMs: 1000 });
    const batch = await producer.sendBatch(
      [0, 1, 2].map((i) => ({ topic: 'TopicBatch', body: `batch ${i}`.repeat(i + 1), tags: `T${i}`, keys: [`batch-${i}`] })),
    );
    const tx = await producer.sendInTransaction({ topic: 'TopicTest', body: 'traced transaction', keys: ['tx-1'] }, async () => 'COMMIT');
    expect(producer.stats().trace).toMatchObject({ recordsSent: 0, buffered: 9 });
    await producer.flush();
    const after = Date.now();

    expect(producer.stats().trace).toEqual({ recordsSent: 9, recordsFailed: 0, recordsDropped: 0, buffered: 0 });
    const records = await dashboard([sync.msgId, async.msgId, delayed.msgId, timer.msgId, ...batch.map((r) => r.msgId), tx.half.msgId]);
    const pub = (msgId: string) => records.find((r) => r.msgId === msgId && r.traceType === 'Pub');

    expect(pub(sync.msgId)).toMatchObject({
      topic: 'TopicTest',
      groupName: 'traced',
      tags: 'TagA',
      keys: 'order-1 order-2',
      storeHost: brokerAddress(sync.queue.brokerName),
      status: 'success',
      offsetMsgId: sync.offsetMsgId,
      regionId: 'DefaultRegion',
      messageType: 'Normal_Msg',
      bodyLength: 'traced sync'.length,
    });
    expect(pub(sync.msgId)!.timeStamp).toBeGreaterThanOrEqual(before);
    expect(pub(sync.msgId)!.timeStamp + pub(sync.msgId)!.costTime).toBeLessThanOrEqual(after);
    // The Dashboard finds a record by the message id and by each key of the message.
    expect(pub(sync.msgId)!.traceMessageKeys.split(' ')).toEqual(expect.arrayContaining([sync.msgId, 'order-1', 'order-2']));
    expect(pub(async.msgId)).toMatchObject({ tags: 'null', keys: 'null', messageType: 'Normal_Msg', offsetMsgId: async.offsetMsgId });
    expect(pub(delayed.msgId)).toMatchObject({ messageType: 'Delay_Msg' });
    expect(pub(timer.msgId)).toMatchObject({ messageType: 'Delay_Msg' });
    for (const [i, result] of batch.entries()) {
      expect(pub(result.msgId)).toMatchObject({
        topic: 'TopicBatch',
        tags: `T${i}`,
        keys: `batch-${i}`,
        offsetMsgId: result.offsetMsgId,
        bodyLength: `batch ${i}`.repeat(i + 1).length,
      });
    }
    expect(pub(tx.half.msgId)).toMatchObject({ messageType: 'Trans_Msg_Half', keys: 'tx-1' });
    expect(records.find((r) => r.msgId === tx.half.msgId && r.traceType === 'EndTransaction')).toMatchObject({
      topic: 'TopicTest',
      groupName: 'traced',
      storeHost: brokerAddress(tx.half.brokerName),
      messageType: 'Trans_msg_Commit',
      transactionId: tx.half.transactionId,
      transactionState: 'COMMIT_MESSAGE',
      fromTransactionCheck: false,
    });
  }, 90_000);

  it('writes the fields the Java producer writes for the same send, with the same values where they can agree', async () => {
    const javaMsgId = (await java(['send', stack.nameServer, 'TopicTest', 'TagJ', 'java-key'])).trim().split('\n').pop()!;
    const ours = await producer.send({ topic: 'TopicTest', body: 'from the Java client', tags: 'TagJ', keys: ['java-key'] });
    await producer.flush();

    const [theirs, mine] = [(await dashboard([javaMsgId]))[0]!, (await dashboard([ours.msgId]))[0]!];

    const differs = new Set(['msgId', 'offsetMsgId', 'groupName', 'storeHost', 'costTime', 'timeStamp', 'traceMessageKeys', 'clientHost']);
    const same = (r: DashboardRecord) => Object.fromEntries(Object.entries(r).filter(([k]) => !differs.has(k)));
    expect(same(mine)).toEqual(same(theirs));
    expect(theirs.groupName).toBe('java-traced');
    expect(theirs.traceMessageKeys.split(' ').sort()).toEqual([javaMsgId, 'java-key'].sort());
    expect(mine.traceMessageKeys.split(' ').sort()).toEqual([ours.msgId, 'java-key'].sort());
  }, 90_000);
});

describe('message trace from a Lambda handler', () => {
  it('is in the trace topic when the handler returns, with nothing left pending', async () => {
    const engine = new Engine({
      env: {
        NAMESRV_ADDR: stack.nameServer,
        PRODUCER_GROUP: 'traced-lambda',
        ALLOWED_TOPICS: 'TopicTest',
        MESSAGE_TRACE: 'on',
        POWERTOOLS_METRICS_DISABLED: 'true',
        POWERTOOLS_LOG_LEVEL: 'CRITICAL',
      },
    });
    try {
      const event = httpApiEvent('POST', '/topics/TopicTest/messages', JSON.stringify({ body: 'traced from Lambda', tags: 'L' }), {
        'content-type': 'application/json',
      });
      let invocation: Invocation | undefined;
      const handler = withProducer<typeof event, unknown>((e, context, rocketmq) => {
        invocation = rocketmq;
        return publish(e, context, rocketmq);
      }, engine);
      const response = (await handler(event, lambdaContext())) as APIGatewayProxyResult;
      const stats = (engine.producer as ProducerImpl).stats();

      expect(response.statusCode).toBe(200);
      expect(stats.pending).toBe(0);
      expect(stats.trace).toMatchObject({ recordsSent: 1, buffered: 0 });
      // The invocation's TraceRecordsSent metric: its own record, counted in its scope.
      expect(invocation?.scope.counts).toMatchObject({ sends: 1, traceRecordsSent: 1 });
      const { msgId } = (JSON.parse(response.body) as { result: { msgId: string } }).result;
      expect(await dashboard([msgId])).toEqual([expect.objectContaining({ msgId, groupName: 'traced-lambda', tags: 'L', status: 'success' })]);
    } finally {
      await engine.close();
    }
  }, 90_000);
});
