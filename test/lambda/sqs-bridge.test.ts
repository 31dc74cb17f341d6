// The SQS bridge invoked with real SQS event shapes against the real brokers: every record not in
// batchItemFailures must be readable from a broker, and every bad record fails alone.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { sharedEngine } from '../../lib/internal.ts';
import { selectByShardingKey } from '../../lib/internal.ts';
import { RemotingClient } from '../../lib/internal.ts';
import { NameServerClient } from '../../lib/internal.ts';
import { toPublishInfo } from '../../lib/internal.ts';
import { lambdaContext, sqsEvent, sqsRecord } from '../support/events.ts';
import { copiesByKey, queryByKey } from '../support/read-back.ts';
import type { SQSRecord } from 'aws-lambda';

const stack = inject('stack');
const brokers = [stack.brokers['broker-a'].address, stack.brokers['broker-b'].address];
Object.assign(process.env, {
  NAMESRV_ADDR: stack.nameServer,
  PRODUCER_GROUP: 'sqs-bridge',
  TARGET_TOPIC: 'TopicTest',
  ALLOWED_TOPICS: 'TopicBatch,TopicOrder,LocalCluster,Topic*Only*',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'CRITICAL',
});
delete process.env.STATE_TABLE;
const { handler } = await import('../../functions/sqs-bridge/index.ts');
const { readBridgeConfig, toMessage } = await import('../../functions/sqs-bridge/bridge.ts');
const reader = new RemotingClient();
const engine = sharedEngine();

afterAll(async () => {
  await engine.close();
  reader.shutdown();
});

/** Reads a bridged record back by its SQS messageId, which the bridge sets as a key. */
function storedFor(record: SQSRecord, topic = 'TopicTest', waitMs?: number) {
  return queryByKey(reader, brokers, topic, record.messageId, waitMs === undefined ? {} : { waitMs });
}

describe('SQS bridge', () => {
  it('bridges a batch of 10 standard-queue records with no failures, each stored with its messageId as a key', async () => {
    const records = Array.from({ length: 10 }, (_, i) => sqsRecord(`record ${i}`, { tags: 'sqs', region: 'eu' }));

    const response = await handler(sqsEvent(records), lambdaContext());

    expect(response).toEqual({ batchItemFailures: [] });
    const sends = engine.producer!.stats().sends;
    expect(sends).toBe(1); // one batch request for ten records of one topic
    for (const record of [records[0]!, records[9]!]) expect(await storedFor(record)).toBeDefined();
  });

  it('fails a bad record alone, and takes the topic from the record when it names one', async () => {
    const good = sqsRecord('good');
    const reserved = sqsRecord('reserved', { DELAY: '3' });
    const elsewhere = sqsRecord('to another topic', { topic: 'TopicBatch' });

    const response = await handler(sqsEvent([good, reserved, elsewhere]), lambdaContext());

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: reserved.messageId }]);
    expect(await storedFor(good)).toBeDefined();
    expect(await storedFor(elsewhere, 'TopicBatch')).toBeDefined();
  });

  it('keeps FIFO order: after a failed record, the rest of its group fails, other groups go through', async () => {
    const topic = { topic: 'TopicOrder' };
    const a1 = sqsRecord('a1', topic, { groupId: 'A', sequence: 1 });
    const a2bad = sqsRecord('a2', { ...topic, TAGS: 'x' }, { groupId: 'A', sequence: 2 });
    const a3 = sqsRecord('a3', topic, { groupId: 'A', sequence: 3 });
    const b1 = sqsRecord('b1', topic, { groupId: 'B', sequence: 4 });
    const b2 = sqsRecord('b2', topic, { groupId: 'B', sequence: 5 });

    const response = await handler(sqsEvent([a1, b1, a2bad, a3, b2]), lambdaContext());

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: a2bad.messageId }, { itemIdentifier: a3.messageId }]);
    expect(await storedFor(a1, 'TopicOrder')).toBeDefined();
    expect(await storedFor(b2, 'TopicOrder')).toBeDefined();
    expect(await storedFor(a3, 'TopicOrder', 1500)).toBeUndefined(); // never sent
  });

  it('fails a record to a retry topic and one with oversized properties alone, storing the rest once', async () => {
    const good = Array.from({ length: 4 }, (_, i) => sqsRecord(`good ${i}`));
    const retry = sqsRecord('into a retry queue', { topic: '%RETRY%some-group' });
    const oversized = sqsRecord('too much', { big: 'v'.repeat(33 * 1024) });

    const response = await handler(sqsEvent([good[0]!, retry, good[1]!, oversized, good[2]!, good[3]!]), lambdaContext());

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: retry.messageId }, { itemIdentifier: oversized.messageId }]);
    for (const record of good) expect(await storedFor(record)).toBeDefined();
    expect(await storedFor(oversized, 'TopicTest', 1000)).toBeUndefined();
  });

  it('sends a record delivered twice in one batch once, and fails both copies when they differ', async () => {
    const twice = sqsRecord('delivered twice');
    const copy = { ...twice, receiptHandle: 'AQEBother' };
    const clash = sqsRecord('one body');
    const clashCopy = { ...clash, body: 'another body' };
    const sendsBefore = engine.producer?.stats().attempts ?? 0;

    const response = await handler(sqsEvent([twice, clash, copy, clashCopy]), lambdaContext());

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: clash.messageId }]);
    const found = await copiesByKey(reader, brokers, 'TopicTest', twice.messageId);
    expect(found.map((m) => m.body.toString())).toEqual(['delivered twice']);
    expect(await storedFor(clash, 'TopicTest', 1000)).toBeUndefined();
    expect((engine.producer?.stats().attempts ?? 0) - sendsBefore).toBe(1);
  });

  it('sends nothing for an event whose record has no messageId, and fails the whole batch', async () => {
    const good = sqsRecord('good but in a bad event');
    const broken: Partial<SQSRecord> = sqsRecord('no id');
    delete broken.messageId;

    const response = await handler(sqsEvent([good, broken as SQSRecord]), lambdaContext());

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: good.messageId }, { itemIdentifier: '' }]);
    expect(await storedFor(good, 'TopicTest', 1000)).toBeUndefined();
  });

  it('answers events that are not SQS events without throwing', async () => {
    for (const event of [null, {}, { Records: null }, { Records: 'x' }, { Records: [null] }, { Records: [{}] }]) {
      const response = await handler(event as never, lambdaContext());

      expect(Array.isArray(response.batchItemFailures)).toBe(true);
    }
  });

  it('fails records to topics outside ALLOWED_TOPICS, reserved names and cluster names, unsent', async () => {
    const outside = sqsRecord('not allowed', { topic: 'TopicElsewhere' });
    const reply = sqsRecord('reply', { topic: 'LocalCluster_REPLY_TOPIC' });
    const cluster = sqsRecord('cluster', { topic: stack.cluster });
    const allowed = sqsRecord('allowed by pattern', { topic: 'TopicOnlyA' });
    const attemptsBefore = engine.producer?.stats().attempts ?? 0;

    const response = await handler(sqsEvent([outside, reply, cluster, allowed]), lambdaContext());

    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([outside.messageId, reply.messageId, cluster.messageId]);
    expect(await storedFor(allowed, 'TopicOnlyA')).toBeDefined();
    expect((engine.producer?.stats().attempts ?? 0) - attemptsBefore).toBe(1);
  });

  it('keeps FIFO order past two records that share a messageId with different content', async () => {
    const topic = { topic: 'TopicOrder' };
    const r1 = sqsRecord('r1', topic, { groupId: 'clash', sequence: 1 });
    const r2 = sqsRecord('r2', topic, { groupId: 'clash', sequence: 2 });
    const r2other = { ...r2, body: 'r2 other' };
    const r3 = sqsRecord('r3', topic, { groupId: 'clash', sequence: 3 });

    const response = await handler(sqsEvent([r1, r2, r2other, r3]), lambdaContext());

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: r2.messageId }, { itemIdentifier: r3.messageId }]);
    expect(await storedFor(r1, 'TopicOrder')).toBeDefined();
    expect(await storedFor(r3, 'TopicOrder', 1000)).toBeUndefined();
  });

  it('stores attributes as properties, the tags and keys attributes as tags and keys, binary ones as base64', async () => {
    const record = sqsRecord('with attributes', { tags: 'TagQ', keys: 'order-7, customer-3', region: 'eu', count: '12', ['__proto__']: 'not a prototype' });
    record.messageAttributes.blob = {
      binaryValue: Buffer.from([1, 2, 255]).toString('base64'),
      stringListValues: [],
      binaryListValues: [],
      dataType: 'Binary',
    };

    const response = await handler(sqsEvent([record]), lambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    const stored = (await storedFor(record))!;
    expect(stored.body.toString()).toBe('with attributes');
    expect(stored.properties.get('TAGS')).toBe('TagQ');
    expect(stored.properties.get('KEYS')).toBe(`${record.messageId} order-7 customer-3`);
    expect(Object.fromEntries(stored.properties)).toMatchObject({ region: 'eu', count: '12', blob: 'AQL/' });
    expect(stored.properties.get('__proto__')).toBe('not a prototype');
    expect(stored.properties.has('topic')).toBe(false);
  });

  it('sends a FIFO group with its MessageGroupId as the sharding key, all to the queue Java would pick', async () => {
    const records = [1, 2, 3].map((n) => sqsRecord(`g${n}`, { topic: 'TopicOrder' }, { groupId: 'customer-42', sequence: n }));

    const response = await handler(sqsEvent(records), lambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    const route = await new NameServerClient(reader, [stack.nameServer], 3000).getRoute('TopicOrder');
    const expected = selectByShardingKey(toPublishInfo('TopicOrder', route!).messageQueues, 'customer-42');
    const expectedBroker = route!.brokerDatas.find((b) => b.brokerName === expected.brokerName)!.brokerAddrs['0']!;
    // Looked up on the expected broker only: found there, or not at all.
    const stored = await Promise.all(records.map((r) => queryByKey(reader, [expectedBroker], 'TopicOrder', r.messageId)));
    for (const message of stored) {
      expect(message!.properties.get('__SHARDINGKEY')).toBe('customer-42');
      expect(message!.queueId).toBe(expected.queueId);
    }
    expect(stored.map((m) => m!.queueOffset)).toEqual([0, 1, 2].map((i) => stored[0]!.queueOffset + i));
  });

  it('fails a record that names no topic when no TARGET_TOPIC is configured', () => {
    const config = { ...readBridgeConfig({}), targetTopic: undefined };

    expect(toMessage(sqsRecord('x'), config).problem).toMatch(/no topic/);
    expect(toMessage(sqsRecord('x', { topic: 'T' }), config).message?.topic).toBe('T');
  });

  it('bridges a record with a delaySeconds attribute as a timer message and fails a priority the 5.3.3 brokers cannot honour', async () => {
    const delayed = sqsRecord('bridged later', { delaySeconds: '1', tags: 'timer' });
    const urgent = sqsRecord('bridged urgent', { priority: '1' });

    const response = await handler(sqsEvent([delayed, urgent]), lambdaContext());

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: urgent.messageId }] });
    const stored = await storedFor(delayed, 'TopicTest', 15_000);
    expect(stored?.body.toString()).toBe('bridged later');
    expect(stored?.properties.get('TIMER_DELAY_SEC')).toBe('1');
    expect(stored?.properties.has('delaySeconds')).toBe(false);
  });
});
