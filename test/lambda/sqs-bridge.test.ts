// The SQS bridge invoked with real SQS event shapes against the real brokers: every record not in
// batchItemFailures must be readable from a broker, and every bad record fails alone.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { sharedEngine } from '../../lib/lambda/with-producer.ts';
import { RemotingClient } from '../../lib/remoting/remoting-client.ts';
import { lambdaContext, sqsEvent, sqsRecord } from '../support/events.ts';
import { queryByKey } from '../support/read-back.ts';
import type { SQSRecord } from 'aws-lambda';

const stack = inject('stack');
const brokers = [stack.brokers['broker-a'].address, stack.brokers['broker-b'].address];
Object.assign(process.env, {
  NAMESRV_ADDR: stack.nameServer,
  PRODUCER_GROUP: 'sqs-bridge',
  TARGET_TOPIC: 'TopicTest',
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
    const sends = engine['producer']!.stats.sends;
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

  it('fails a record that names no topic when no TARGET_TOPIC is configured', () => {
    const config = { ...readBridgeConfig({}), targetTopic: undefined };

    expect(toMessage(sqsRecord('x'), config).problem).toMatch(/no topic/);
    expect(toMessage(sqsRecord('x', { topic: 'T' }), config).message?.topic).toBe('T');
  });
});
