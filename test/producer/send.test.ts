// Sends to the real brokers, then reads the stored messages back and checks what arrived.
import { randomBytes } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { topicRoute } from '../../infra/local/probe.ts';
import { createInternalProducer, type SendContext } from '../../lib/internal.ts';
import { hashQueueIndex } from '../../lib/internal.ts';
import { RemotingClient } from '../../lib/internal.ts';
import { queryByUniqueKey, viewByOffsetId } from '../support/read-back.ts';

const stack = inject('stack');
const brokers = [stack.brokers['broker-a'].address, stack.brokers['broker-b'].address];
const reader = new RemotingClient();
const seen: SendContext[] = [];
const producer = createInternalProducer({
  nameServers: [stack.nameServer],
  producerGroup: 'send-test',
  sendMessageHooks: [{ name: 'record', after: (context) => seen.push(context) }],
});
await producer.start();

afterAll(async () => {
  await producer.shutdown();
  reader.shutdown();
});

describe('sends to the real brokers', () => {
  it('stores a sync send with its body, tags, keys, user properties and UNIQ_KEY', async () => {
    const result = await producer.send({
      topic: 'TopicTest',
      body: 'hello sync',
      tags: 'TagA',
      keys: ['order-1', 'customer-9'],
      properties: { origin: 'test', 'x-trace': 'abc 123' },
    });

    const stored = await viewByOffsetId(reader, result.offsetMsgId);
    expect(result.status).toBe('SEND_OK');
    expect(result.msgId).toMatch(/^[0-9A-F]{32}$/);
    expect(stored.body.toString()).toBe('hello sync');
    expect(stored.topic).toBe('TopicTest');
    expect(stored.queueId).toBe(result.queue.queueId);
    expect(stored.queueOffset).toBe(result.queueOffset);
    expect(Object.fromEntries(stored.properties)).toMatchObject({
      TAGS: 'TagA',
      KEYS: 'order-1 customer-9',
      UNIQ_KEY: result.msgId,
      WAIT: 'true',
      origin: 'test',
      'x-trace': 'abc 123',
    });
  });

  it('stores an async send, settled by flush', async () => {
    const pending = producer.sendAsync({ topic: 'TopicTest', body: 'hello async', tags: 'TagB' });
    await producer.flush();
    const result = await pending;

    const stored = await viewByOffsetId(reader, result.offsetMsgId);
    expect(stored.body.toString()).toBe('hello async');
    expect(stored.properties.get('UNIQ_KEY')).toBe(result.msgId);
  });

  it('stores a oneway send, found again by the UNIQ_KEY its hook saw', async () => {
    seen.length = 0;

    await producer.sendOneway({ topic: 'TopicTest', body: 'hello oneway', keys: 'ow-1' });

    const uniqKey = seen[0]!.properties.get('UNIQ_KEY')!;
    expect(seen[0]!.mode).toBe('oneway');
    const stored = await queryByUniqueKey(reader, brokers, 'TopicTest', uniqKey);
    expect(stored.body.toString()).toBe('hello oneway');
    expect(stored.properties.get('KEYS')).toBe('ow-1');
  });

  it('compresses a 16 KiB body with zlib (sysFlag 0x301), and it inflates to the original', async () => {
    const body = Buffer.from(Array.from({ length: 16 * 1024 }, (_, i) => i % 251));

    const result = await producer.send({ topic: 'TopicTest', body });

    const stored = await viewByOffsetId(reader, result.offsetMsgId);
    expect(stored.sysFlag & 0x701).toBe(0x301);
    expect(stored.body.length).toBeLessThan(body.length);
    expect(inflateSync(stored.body).equals(body)).toBe(true);
  });

  it('leaves a body under 4 KiB uncompressed', async () => {
    const result = await producer.send({ topic: 'TopicTest', body: Buffer.alloc(4095, 1) });

    const stored = await viewByOffsetId(reader, result.offsetMsgId);
    expect(stored.sysFlag & 0x1).toBe(0);
    expect(stored.body.length).toBe(4095);
  });

  it('checks the size limit after compression: a 6 MiB body that compresses is stored whole', async () => {
    const body = Buffer.from(Array.from({ length: 6 * 1024 * 1024 }, (_, i) => i % 7));

    const result = await producer.send({ topic: 'TopicTest', body });

    const stored = await viewByOffsetId(reader, result.offsetMsgId);
    expect(stored.sysFlag & 0x1).toBe(1);
    expect(inflateSync(stored.body).equals(body)).toBe(true);
  });

  it('sends an incompressible body of exactly 4 MiB as it is, and the broker stores it', async () => {
    const body = randomBytes(4 * 1024 * 1024);

    const result = await producer.send({ topic: 'TopicTest', body });

    const stored = await viewByOffsetId(reader, result.offsetMsgId);
    expect(stored.sysFlag & 0x1).toBe(0);
    expect(stored.body.equals(body)).toBe(true);
  });

  it('stores properties right up to the size a message may carry, single and batched', async () => {
    // big (5 + n bytes) + WAIT (10) + UNIQ_KEY (42) = 32255, MAX_PROPERTIES_BYTES: the broker's
    // own additions still fit its 32767.
    const value = 'v'.repeat(32_198);
    const single = await producer.send({ topic: 'TopicTest', body: 'near the limit', properties: { big: value } });
    const [batched] = await producer.sendBatch([{ topic: 'TopicBatch', body: 'near the limit', properties: { big: value } }]);

    for (const result of [single, batched!]) {
      const stored = await viewByOffsetId(reader, result.offsetMsgId);
      expect(stored.properties.get('big')).toBe(value);
      expect(stored.properties.get('CLUSTER')).toBe(stack.cluster);
    }
  });

  it('lands a batch of 50 in order on one queue with consecutive offsets and one id each', async () => {
    const messages = Array.from({ length: 50 }, (_, i) => ({ topic: 'TopicBatch', body: `batch-${i}`, keys: `k${i}` }));

    const results = await producer.sendBatch(messages);

    expect(results.length).toBe(50);
    expect(new Set(results.map((r) => `${r.queue.brokerName}/${r.queue.queueId}`)).size).toBe(1);
    expect(new Set(results.map((r) => r.msgId)).size).toBe(50);
    expect(results.map((r) => r.queueOffset)).toEqual(results.map((_, i) => results[0]!.queueOffset + i));
    for (const i of [0, 1, 25, 49]) {
      const stored = await viewByOffsetId(reader, results[i]!.offsetMsgId);
      expect(stored.body.toString()).toBe(`batch-${i}`);
      expect(stored.queueOffset).toBe(results[i]!.queueOffset);
      expect(stored.properties.get('UNIQ_KEY')).toBe(results[i]!.msgId);
      expect(stored.properties.get('KEYS')).toBe(`k${i}`);
    }
  });

  it('sends every message with one sharding key to the queue a Java producer picks for it', async () => {
    const key = 'customer-42';
    const route = await producer.routes.publishInfo('TopicOrder');
    const expected = route.messageQueues[hashQueueIndex(key, route.messageQueues.length)]!;

    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send({ topic: 'TopicOrder', body: `o${i}`, shardingKey: key })));

    for (const r of results) expect([r.queue.brokerName, r.queue.queueId]).toEqual([expected.brokerName, expected.queueId]);
    const stored = await viewByOffsetId(reader, results[0]!.offsetMsgId);
    expect(stored.properties.get('__SHARDINGKEY')).toBe(key);
  });

  it('sends to a chosen queue', async () => {
    const result = await producer.send({ topic: 'TopicTest', body: 'to queue 3 of b' }, { queue: { topic: 'TopicTest', brokerName: 'broker-b', queueId: 3 } });

    expect([result.queue.brokerName, result.queue.queueId]).toEqual(['broker-b', 3]);
  });

  it('auto-creates an unknown topic through TBW102', async () => {
    const topic = `AutoCreated${Date.now()}`;

    const result = await producer.send({ topic, body: 'first message' });

    expect(result.status).toBe('SEND_OK');
    expect((await viewByOffsetId(reader, result.offsetMsgId)).topic).toBe(topic);
    let route = null;
    for (let i = 0; i < 50 && !route; i++) {
      route = await topicRoute(stack.nameServer, topic);
      if (!route) await new Promise((r) => setTimeout(r, 200));
    }
    expect(route?.queueDatas.map((q) => q.brokerName)).toContain(result.queue.brokerName);
  });

  it('wraps the topic in the namespace on the wire and unwraps it in the result', async () => {
    const namespaced = createInternalProducer({ nameServers: [stack.nameServer], producerGroup: 'ns-test', namespace: 'tenant1' });
    await namespaced.start();

    const result = await namespaced.send({ topic: 'TopicNs', body: 'namespaced' });
    await namespaced.shutdown();

    const stored = await viewByOffsetId(reader, result.offsetMsgId);
    expect(result.queue.topic).toBe('TopicNs');
    expect(stored.topic).toBe('tenant1%TopicNs');
    expect(stored.properties.get('INSTANCE_ID')).toBe('tenant1');
  });

  it('sends with the V1 header (SEND_MESSAGE) when asked', async () => {
    const v1 = createInternalProducer({ nameServers: [stack.nameServer], producerGroup: 'v1-test', sendMessageHeader: 'V1' });
    await v1.start();

    const result = await v1.send({ topic: 'TopicTest', body: 'v1 header', tags: 'V1' });
    await v1.shutdown();

    const stored = await viewByOffsetId(reader, result.offsetMsgId);
    expect(stored.body.toString()).toBe('v1 header');
    expect(stored.properties.get('TAGS')).toBe('V1');
  });

  it('keeps the delay level on a delayed message, delivered to its topic after the delay', async () => {
    seen.length = 0;

    await producer.send({ topic: 'TopicTest', body: 'delayed', delayLevel: 1 });

    const stored = await queryByUniqueKey(reader, brokers, 'TopicTest', seen[0]!.properties.get('UNIQ_KEY')!, 15_000);
    expect(stored.body.toString()).toBe('delayed');
    expect(stored.properties.get('DELAY')).toBe('1');
  });

  it('stores a 5.x timer message with its delivery time', async () => {
    seen.length = 0;
    const deliverAt = Date.now() + 1000;

    await producer.send({ topic: 'TopicTest', body: 'timer', deliverAt });

    const stored = await queryByUniqueKey(reader, brokers, 'TopicTest', seen[0]!.properties.get('UNIQ_KEY')!, 15_000);
    expect(stored.body.toString()).toBe('timer');
    expect(stored.properties.get('TIMER_DELIVER_MS')).toBe(String(deliverAt));
  });

  it('splits a batch over the size limit into several requests, results still one per message in order', async () => {
    const small = createInternalProducer({ nameServers: [stack.nameServer], producerGroup: 'split-test', maxMessageSize: 2000 });
    await small.start();
    const messages = Array.from({ length: 10 }, (_, i) => ({ topic: 'TopicBatch', body: Buffer.alloc(500, i) }));

    const results = await small.sendBatch(messages);
    const requests = small.stats().sends;
    await small.shutdown();

    expect(results.length).toBe(10);
    expect(requests).toBeGreaterThanOrEqual(3);
    for (const i of [0, 9]) {
      const stored = await viewByOffsetId(reader, results[i]!.offsetMsgId);
      expect(stored.body.equals(Buffer.alloc(500, i))).toBe(true);
    }
  });

  it('sends through the VIP channel (broker port - 2) when enabled', async () => {
    const vip = createInternalProducer({ nameServers: [stack.nameServer], producerGroup: 'vip-test', vipChannelEnabled: true });
    await vip.start();

    const result = await vip.send({ topic: 'TopicTest', body: 'via vip' });
    const used = vip.remoting.addresses();
    await vip.shutdown();

    const port = Number(stack.brokers[result.queue.brokerName as 'broker-a'].address.split(':')[1]);
    expect(used).toContain(`127.0.0.1:${port - 2}`);
    expect((await viewByOffsetId(reader, result.offsetMsgId)).body.toString()).toBe('via vip');
  });

  it('warms routes at start, and is START_FAILED when they cannot be had', async () => {
    const warm = createInternalProducer({ nameServers: [stack.nameServer], producerGroup: 'warm-test' });
    const broken = createInternalProducer({ nameServers: ['127.0.0.1:1'], producerGroup: 'warm-test', mqClientApiTimeout: 500 });

    await warm.start({ warmTopics: ['TopicTest'] });
    const error = await broken.start({ warmTopics: ['TopicTest'] }).catch((e) => e);
    const lookupsBeforeSend = warm.routes.lookups;
    await warm.send({ topic: 'TopicTest', body: 'warm' });
    await warm.shutdown();

    expect(warm.routes.lookups).toBe(lookupsBeforeSend);
    expect(lookupsBeforeSend).toBe(1);
    expect(error.codeName).toBe('NO_NAME_SERVER_EXCEPTION');
    expect(broken.state).toBe('START_FAILED');
  });

  it('fails at once, without sending, when the deadline has already passed', async () => {
    const attemptsBefore = producer.stats().attempts;

    const error = await producer.send({ topic: 'TopicTest', body: 'late' }, { deadline: Date.now() - 1 }).catch((e) => e);

    expect(error.name).toBe('SendError');
    expect(error.timedOut).toBe(true);
    expect(error.attempts).toBe(0);
    expect(producer.stats().attempts).toBe(attemptsBefore);
  });
});
