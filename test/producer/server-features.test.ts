// What RocketMQ 5.3 to 5.5 added on the send side, against the local 5.3.3 brokers: delays in
// seconds and milliseconds delivered on time, recall of a timer message before it is due (and its
// refusals), and the features of newer servers refused before sending, naming the version they need.
// The 5.5.1 side (priority, lite topics) and 4.9.7 are in test/clusters/.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createInternalProducer, type RocketMQError, RemotingClient, RequestCode } from '../../lib/internal.ts';
import { markOffsets, queuesOf, readSince } from '../support/queue-reader.ts';
import { queryByUniqueKey, viewByOffsetId } from '../support/read-back.ts';

const stack = inject('stack');
const brokerAddresses = { 'broker-a': stack.brokers['broker-a'].address, 'broker-b': stack.brokers['broker-b'].address };
const brokers = Object.values(brokerAddresses);
const queues = queuesOf(brokerAddresses, 4);
const reader = new RemotingClient();
const producer = createInternalProducer({ nameServers: [stack.nameServer], producerGroup: 'server-features-test' });
await producer.start();

afterAll(async () => {
  await producer.shutdown();
  reader.shutdown();
});

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: RocketMQError) => err,
  );
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sets one broker setting at runtime (UPDATE_BROKER_CONFIG 25: the body is properties text). */
async function brokerSetting(address: string, line: string): Promise<void> {
  const response = await reader.invoke(address, { code: 25, extFields: {}, body: Buffer.from(`${line}\n`) }, 3000);
  expect(response.code).toBe(0);
}

describe('delays in seconds and milliseconds (5.x timers)', () => {
  it('stores TIMER_DELAY_SEC and TIMER_DELAY_MS as given and delivers each to its topic after its delay, not before', async () => {
    const mark = await markOffsets(reader, 'TopicTest', queues);
    const sentAt = Date.now();
    const seconds = await producer.send({ topic: 'TopicTest', body: 'in two seconds', delaySeconds: 2 });
    const millis = await producer.send({ topic: 'TopicTest', body: 'in 1500 ms', delayMs: 1500 });

    const early = (await readSince(reader, 'TopicTest', queues, mark)).map((m) => m.uniqKey);
    const deliveredS = await queryByUniqueKey(reader, brokers, 'TopicTest', seconds.msgId, 15_000);
    const deliveredMs = await queryByUniqueKey(reader, brokers, 'TopicTest', millis.msgId, 15_000);
    const stored = await viewByOffsetId(reader, seconds.offsetMsgId);

    expect(early).not.toContain(seconds.msgId);
    expect(early).not.toContain(millis.msgId);
    expect(stored.properties.get('TIMER_DELAY_SEC')).toBe('2');
    expect(deliveredS.body.toString()).toBe('in two seconds');
    expect(deliveredMs.properties.get('TIMER_DELAY_MS')).toBe('1500');
    // The broker's timer ticks in whole seconds: delivered on the second at or after the delay.
    expect(deliveredS.storeTimestamp - sentAt).toBeGreaterThanOrEqual(1000);
    expect(deliveredMs.storeTimestamp - sentAt).toBeGreaterThanOrEqual(1000);
  });
});

describe('recall (5.3.2+)', () => {
  it('gives a timer message a recall handle, and a recalled message is never delivered while its sibling is', async () => {
    const mark = await markOffsets(reader, 'TopicTest', queues);
    const kept = await producer.send({ topic: 'TopicTest', body: 'kept', delaySeconds: 2 });
    const taken = await producer.send({ topic: 'TopicTest', body: 'recalled', delaySeconds: 2 });
    const plain = await producer.send({ topic: 'TopicTest', body: 'not a timer message' });

    const recalled = await producer.recall('TopicTest', taken.recallHandle!);
    await queryByUniqueKey(reader, brokers, 'TopicTest', kept.msgId, 15_000);
    await sleep(1500); // the recalled one was due with its sibling
    const delivered = (await readSince(reader, 'TopicTest', queues, mark)).map((m) => m.uniqKey);

    expect(kept.recallHandle).toMatch(/^[A-Za-z0-9_-]+=*$/);
    expect(Buffer.from(taken.recallHandle!, 'base64url').toString()).toMatch(new RegExp(`^v1 TopicTest broker-[ab] \\d+ ${taken.msgId}$`));
    expect(plain.recallHandle).toBeUndefined();
    expect(recalled).toEqual({ msgId: taken.msgId });
    expect(delivered).toContain(kept.msgId);
    expect(delivered).not.toContain(taken.msgId);
  });

  it('refuses before sending a malformed handle, one of another topic and one already due', async () => {
    // A producer whose name server does not exist: anything sent would fail otherwise.
    const offline = createInternalProducer({ nameServers: ['127.0.0.1:1'], producerGroup: 'server-features-offline' });
    await offline.start();
    const handle = (text: string) => Buffer.from(text).toString('base64url');
    try {
      const malformed = await failure(offline.recall('TopicTest', 'not a handle!'));
      const wrongVersion = await failure(offline.recall('TopicTest', handle(`v2 TopicTest broker-a ${Date.now() + 60_000} ABC`)));
      const foreign = await failure(offline.recall('TopicTest', handle(`v1 TopicOrder broker-a ${Date.now() + 60_000} ABC`)));
      const due = await failure(offline.recall('TopicTest', handle(`v1 TopicTest broker-a ${Date.now() - 1000} ABC`)));

      expect([malformed, wrongVersion, foreign].map((e) => [e.codeName, e.context.field])).toEqual([
        ['INVALID_ARGUMENT', 'recallHandle'],
        ['INVALID_ARGUMENT', 'recallHandle'],
        ['INVALID_ARGUMENT', 'recallHandle'],
      ]);
      expect(foreign.detail).toBe('belongs to topic TopicOrder');
      expect(due.codeName).toBe('RECALL_EXPIRED');
      expect(offline.stats().routeLookups).toBe(0);
    } finally {
      await offline.shutdown();
    }
  });

  it('answers RECALL_DISABLED when the broker has recall switched off, and nothing is recalled', async () => {
    const result = await producer.send({ topic: 'TopicTest', body: 'recall off', delaySeconds: 2 });
    const address = brokerAddresses[result.queue.brokerName as 'broker-a' | 'broker-b'];
    await brokerSetting(address, 'recallMessageEnable=false');
    try {
      const refused = await failure(producer.recall('TopicTest', result.recallHandle!));

      expect([refused.codeName, refused.retriable]).toEqual(['RECALL_DISABLED', false]);
      expect((await queryByUniqueKey(reader, brokers, 'TopicTest', result.msgId, 15_000)).body.toString()).toBe('recall off');
    } finally {
      await brokerSetting(address, 'recallMessageEnable=true');
    }
  });

  it('sends the recall as RECALL_MESSAGE to the broker the handle names, with the producer group and bname', async () => {
    const result = await producer.send({ topic: 'TopicTest', body: 'recall frame', delaySeconds: 5 });
    const requests: { address: string; code: number; extFields: Record<string, string> }[] = [];
    const invoke = producer.remoting.invoke.bind(producer.remoting);
    producer.remoting.invoke = (address, command, timeoutMs) => {
      requests.push({ address, code: command.code, extFields: command.extFields });
      return invoke(address, command, timeoutMs);
    };
    try {
      await producer.recall('TopicTest', result.recallHandle!);
    } finally {
      producer.remoting.invoke = invoke;
    }

    const recall = requests.find((r) => r.code === RequestCode.RECALL_MESSAGE)!;
    expect(recall.address).toBe(brokerAddresses[result.queue.brokerName as 'broker-a' | 'broker-b']);
    expect(recall.extFields).toEqual({
      producerGroup: 'server-features-test',
      topic: 'TopicTest',
      recallHandle: result.recallHandle,
      bname: result.queue.brokerName,
    });
  });
});

describe('features of newer servers, on 5.3.3', () => {
  it('refuses a priority (5.4.0) and a lite topic (5.5.0) before sending, naming the version needed', async () => {
    const before = producer.stats().attempts;
    const priority = await failure(producer.send({ topic: 'TopicTest', body: 'urgent', priority: 3 }));
    const lite = await failure(producer.send({ topic: 'TopicTest', body: 'lite', liteTopic: 'order-42' }));

    expect([priority.codeName, priority.retriable]).toEqual(['UNSUPPORTED_BY_BROKER', false]);
    expect(priority.message).toContain('needs RocketMQ 5.4.0 or later');
    expect(lite.message).toContain('needs RocketMQ 5.5.0 or later');
    // Refused at the first attempt, none sent: the version came from the broker's earlier answers.
    expect(producer.stats().attempts - before).toBe(2);
  });
});

describe('looking a message up by its UNIQ_KEY (publish once)', () => {
  it('finds a stored message with the SendResult it had, and says "not known" without asking an isolated broker', async () => {
    const isolating = createInternalProducer({ nameServers: [stack.nameServer], producerGroup: 'lookup-test', sendLatencyFaultEnable: true });
    await isolating.start();
    try {
      const sent = await isolating.send({ topic: 'TopicTest', body: 'look me up', keys: ['lookup-1'] });
      await queryByUniqueKey(reader, brokers, 'TopicTest', sent.msgId);
      const found = await isolating.lookupStored('TopicTest', sent.msgId);
      const asked: string[] = [];
      const invoke = isolating.remoting.invoke.bind(isolating.remoting);
      isolating.remoting.invoke = (address, command, timeoutMs) => {
        if (command.code === RequestCode.QUERY_MESSAGE) asked.push(address);
        return invoke(address, command, timeoutMs);
      };
      isolating.faults!.update('broker-a', 30_000, true); // as a frozen broker would be
      const missing = await isolating.lookupStored('TopicTest', '0A0B0C0D0E0F00112233445566778899');

      expect(found).toMatchObject({ stored: { msgId: sent.msgId, offsetMsgId: sent.offsetMsgId, queue: sent.queue, queueOffset: sent.queueOffset } });
      expect(missing).toEqual({ stored: null, known: false });
      expect(asked).toEqual([brokerAddresses['broker-b']]);
    } finally {
      await isolating.shutdown();
    }
  });
});
