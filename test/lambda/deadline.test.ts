// The Lambda's remaining time bounds everything an invocation does: retries against brokers that
// do not answer, and the shared-state work before the handler. Scripted peers stand in for a frozen
// broker and a frozen DynamoDB, because the real ones cannot be frozen for one test file only
// (test/faults does that with the real services).
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { localAwsEnv } from '../../infra/local/dynamodb.ts';
import { createInternalProducer, type SendError } from '../../lib/internal.ts';
import { Engine } from '../../lib/internal.ts';
import { withProducer } from '../../lib/internal.ts';
import { lambdaContext } from '../support/events.ts';
import { startFakeCluster } from '../support/fake-cluster.ts';
import { respond, startFakePeer } from '../support/fake-peer.ts';
import { RequestCode } from '../../lib/internal.ts';

const stack = inject('stack');
const quiet = { POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'CRITICAL' };

/** Accepts connections and never answers: a frozen process, as seen from a client. */
async function blackHole(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

describe('the deadline caps the retries', () => {
  it('returns by the deadline when both brokers hold every attempt (3 s budget, 800 ms left)', async () => {
    const cluster = await startFakeCluster({ 'broker-a': () => undefined, 'broker-b': () => undefined });
    cleanups.push(() => cluster.close());
    const producer = createInternalProducer({ nameServers: [cluster.nameServer], producerGroup: 'deadline-test', sendMsgTimeout: 3000 });
    await producer.start({ warmTopics: ['T'] });
    cleanups.push(() => producer.shutdown());
    const deadline = Date.now() + 800;

    const error = (await producer.send({ topic: 'T', body: 'x' }, { deadline }).catch((e: SendError) => e)) as SendError;
    const returnedAt = Date.now();

    expect(error.timedOut || error.codeName === 'ACCESS_BROKER_TIMEOUT').toBe(true);
    expect(error.attempts).toBeGreaterThanOrEqual(1);
    // Timers may fire a little late on a busy machine; the 3 s budget would be 2.2 s later.
    expect(returnedAt - deadline).toBeLessThan(500);
  });

  it('answers 504 from the publish function before the Lambda times out', async () => {
    const cluster = await startFakeCluster({ 'broker-a': () => undefined });
    cleanups.push(() => cluster.close());
    const engine = new Engine({ env: { NAMESRV_ADDR: cluster.nameServer, PRODUCER_GROUP: 'deadline-fn', ...quiet } });
    cleanups.push(() => engine.close());
    const handler = withProducer(
      async (_event, _context, rocketmq) =>
        rocketmq.send({ topic: 'T', body: 'x' }).then(
          () => 'sent',
          (e: SendError) => e.codeName,
        ),
      engine,
    );
    const context = lambdaContext(1500); // 1 s for the send after the 500 ms margin

    const outcome = await handler({}, context);

    expect(outcome).toBe('ACCESS_BROKER_TIMEOUT');
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
  });
});

describe('every verb of an invocation', () => {
  it('carries the invocation deadline: with no time left nothing is attempted', async () => {
    const cluster = await startFakeCluster({ 'broker-a': (_, reply) => reply(0) });
    cleanups.push(() => cluster.close());
    const engine = new Engine({ env: { NAMESRV_ADDR: cluster.nameServer, PRODUCER_GROUP: 'deadline-verbs', ...quiet } });
    cleanups.push(() => engine.close());
    const outcomes: Record<string, string> = {};
    const codeOf = (p: Promise<unknown>) =>
      p.then(
        () => 'done',
        (e: SendError) => e.codeName,
      );
    const handler = withProducer(async (_event, _context, rocketmq) => {
      const message = { topic: 'T', body: 'x' };
      outcomes.send = await codeOf(rocketmq.send(message));
      outcomes.sendAsync = await codeOf(rocketmq.sendAsync(message));
      outcomes.sendOneway = await codeOf(rocketmq.sendOneway(message));
      outcomes.sendBatch = await codeOf(rocketmq.sendBatch([message]));
      const settled = await rocketmq.sendBatchSettled([message]);
      outcomes.sendBatchSettled = settled[0]!.error?.codeName ?? 'done';
      return rocketmq.producer.stats().attempts;
    }, engine);

    const attempts = await handler({}, lambdaContext(400)); // 400 ms left, a 500 ms margin: no time

    expect(outcomes).toEqual({
      send: 'ACCESS_BROKER_TIMEOUT',
      sendAsync: 'ACCESS_BROKER_TIMEOUT',
      sendOneway: 'ACCESS_BROKER_TIMEOUT',
      sendBatch: 'ACCESS_BROKER_TIMEOUT',
      sendBatchSettled: 'ACCESS_BROKER_TIMEOUT',
    });
    expect(attempts).toBe(0);
  });
});

describe('work beside the sends', () => {
  it('never lets the heartbeat that follows a first send hold flush past the deadline', async () => {
    // A broker that stores sends but never answers heartbeats: the heartbeat's own timeout is 3 s.
    const broker = await startFakePeer(({ header, socket }) => {
      if (header.code === RequestCode.HEART_BEAT) return;
      respond(socket, header.opaque, 0, { extFields: { msgId: '7F00000100002A9F0000000000000000', queueId: '0', queueOffset: '1' } });
    });
    const route = {
      brokerDatas: [{ brokerName: 'b', cluster: 'C', brokerAddrs: { '0': broker.address } }],
      queueDatas: [{ brokerName: 'b', readQueueNums: 1, writeQueueNums: 1, perm: 6, topicSysFlag: 0 }],
    };
    const nameServer = await startFakePeer(({ header, socket }) => respond(socket, header.opaque, 0, {}, Buffer.from(JSON.stringify(route))));
    cleanups.push(
      () => broker.close(),
      () => nameServer.close(),
    );
    const producer = createInternalProducer({ nameServers: [nameServer.address], producerGroup: 'deadline-heartbeat' });
    await producer.start({ warmTopics: ['T'] });
    cleanups.push(() => producer.shutdown());
    const deadline = Date.now() + 600;

    await producer.send({ topic: 'T', body: 'x' }, { deadline });
    await producer.flush(deadline);
    const flushedAt = Date.now();

    expect(broker.received.some((r) => r.header.code === RequestCode.HEART_BEAT)).toBe(true);
    expect(flushedAt - deadline).toBeLessThan(500); // not the heartbeat's 3 s
  });
});

describe('work before the handler', () => {
  it('gives up a cold-start load from a frozen DynamoDB within the time left, reads it once, and still sends', async () => {
    const dynamodb = await blackHole();
    cleanups.push(() => dynamodb.close());
    // The AWS SDK reads its endpoint, region and credentials from the process environment.
    Object.assign(process.env, {
      ...localAwsEnv(dynamodb.endpoint),
    });
    const engine = new Engine({ env: { NAMESRV_ADDR: stack.nameServer, PRODUCER_GROUP: 'deadline-cold', STATE_TABLE: 'frozen', ...quiet } });
    cleanups.push(() => engine.close());
    let reads = -1;
    const handler = withProducer(async (_event, _context, rocketmq) => {
      const result = await rocketmq.send({ topic: 'TopicTest', body: 'cold with DynamoDB frozen' });
      reads = rocketmq.producer.stats().sharedState!.reads;
      return result.status;
    }, engine);
    const context = lambdaContext(2000); // 1.5 s to the deadline; the SDK alone would take 2 s to give up

    const status = await handler({}, context);

    expect(status).toBe('SEND_OK');
    expect(reads).toBe(1); // the failed load counts: no second query before the handler
    expect(engine.producer!.stats().sharedState!.degraded).toBe(true);
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
  });
});
