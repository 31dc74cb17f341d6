// The SQS bridge while a real broker is killed or frozen: batchItemFailures must list exactly the
// records not confirmed stored. Every record left out of it is read back, and the failed ones,
// redelivered as SQS would, end stored.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { brokerControl } from '../../infra/local/stack.ts';
import { sharedEngine } from '../../lib/internal.ts';
import { selectByShardingKey } from '../../lib/internal.ts';
import { RemotingClient } from '../../lib/internal.ts';
import { NameServerClient } from '../../lib/internal.ts';
import { toPublishInfo } from '../../lib/internal.ts';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { lambdaContext, sqsEvent, sqsRecord } from '../support/events.ts';
import { queryByKey } from '../support/read-back.ts';

const stack = inject('stack');
Object.assign(process.env, {
  NAMESRV_ADDR: stack.nameServer,
  PRODUCER_GROUP: 'bridge-kill',
  TARGET_TOPIC: 'TopicTest',
  ALLOWED_TOPICS: 'TopicOnlyA,TopicOrder',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'CRITICAL',
});
delete process.env.STATE_TABLE;
const { handler } = await import('../../functions/sqs-bridge/index.ts');
const reader = new RemotingClient();

afterAll(async () => {
  await sharedEngine().close();
  reader.shutdown();
  brokerControl.thaw('broker-a');
  if (!brokerControl.isRunning('broker-a')) await brokerControl.restart('broker-a');
});

const brokers = [stack.brokers['broker-a'].address, stack.brokers['broker-b'].address];

async function stored(key: string, topic = 'TopicTest', waitMs?: number): Promise<boolean> {
  return (await queryByKey(reader, brokers, topic, key, waitMs === undefined ? {} : { waitMs })) !== undefined;
}

/** A sharding key whose queue (as the producer picks it) is on `broker`. */
async function keyOn(broker: string): Promise<string> {
  const route = (await new NameServerClient(reader, [stack.nameServer], 3000).getRoute('TopicOrder'))!;
  const queues = toPublishInfo('TopicOrder', route).messageQueues;
  for (let i = 0; ; i++) if (selectByShardingKey(queues, `group-${i}`).brokerName === broker) return `group-${i}`;
}

describe('SQS bridge with broker-a killed mid-batch', () => {
  it('reports exactly the records no broker confirmed', async () => {
    // 40 records of 300 KiB: the batch goes out as several requests, so the kill lands between them.
    const body = 'x'.repeat(300 * 1024);
    const records = Array.from({ length: 40 }, () => sqsRecord(body));

    const pending = handler(sqsEvent(records), lambdaContext(60_000));
    await new Promise((r) => setTimeout(r, 40));
    await brokerControl.kill('broker-a');
    const response = await pending;
    await brokerControl.restart('broker-a');

    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    const unconfirmedButNotReported: string[] = [];
    for (const record of records) {
      if (!failed.has(record.messageId) && !(await stored(record.messageId))) unconfirmedButNotReported.push(record.messageId);
    }
    expect(unconfirmedButNotReported).toEqual([]);
    expect(response.batchItemFailures.every((f) => records.some((r) => r.messageId === f.itemIdentifier))).toBe(true);
    expect(sharedEngine().producer?.stats().sends).toBeGreaterThan(1);
  });
});

describe('SQS bridge with broker-a frozen before the batch', () => {
  it('fails every record only broker-a could take, stores the rest, and stores all once redelivered after the thaw', async () => {
    const onlyA = Array.from({ length: 5 }, (_, i) => sqsRecord(`only on a ${i}`, { topic: 'TopicOnlyA' }));
    const anywhere = Array.from({ length: 10 }, (_, i) => sqsRecord(`anywhere ${i}`));
    const records = [...onlyA, ...anywhere];

    brokerControl.freeze('broker-a');
    let response: SQSBatchResponse;
    try {
      response = await handler(sqsEvent(records), lambdaContext(60_000));
    } finally {
      brokerControl.thaw('broker-a');
    }

    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    const topicOf = (r: SQSRecord) => (onlyA.includes(r) ? 'TopicOnlyA' : 'TopicTest');
    const confirmedButMissing: string[] = [];
    for (const record of records)
      if (!failed.has(record.messageId) && !(await stored(record.messageId, topicOf(record)))) confirmedButMissing.push(record.messageId);
    expect(confirmedButMissing).toEqual([]);
    expect(onlyA.every((r) => failed.has(r.messageId))).toBe(true);
    expect([...failed].every((id) => records.some((r) => r.messageId === id))).toBe(true);

    // Redelivered as SQS does: the same records, receive count + 1, until none fails (at most 5 receives).
    let pending = records.filter((r) => failed.has(r.messageId));
    for (let receive = 2; receive <= 5 && pending.length > 0; receive++) {
      const again = pending.map((r) => ({ ...r, attributes: { ...r.attributes, ApproximateReceiveCount: String(receive) } }));
      const retry = await handler(sqsEvent(again), lambdaContext(60_000));
      const still = new Set(retry.batchItemFailures.map((f) => f.itemIdentifier));
      pending = pending.filter((r) => still.has(r.messageId));
    }
    expect(pending).toEqual([]);
    for (const record of records) expect(await stored(record.messageId, topicOf(record))).toBe(true);
  });

  it('keeps FIFO order: the group on broker-a fails from its first record on, the group on broker-b goes through in order', async () => {
    const [keyA, keyB] = [await keyOn('broker-a'), await keyOn('broker-b')];
    // Group A changes topic in the middle, so its records go as three requests, not one batch.
    const groupA = ([{ topic: 'TopicOrder' }, {}, { topic: 'TopicOrder' }] as Record<string, string>[]).map((attributes, n) =>
      sqsRecord(`a${n}`, attributes, { groupId: keyA, sequence: n }),
    );
    const groupB = [1, 2, 3].map((n) => sqsRecord(`b${n}`, { topic: 'TopicOrder' }, { groupId: keyB, sequence: 10 + n }));

    brokerControl.freeze('broker-a');
    let response: SQSBatchResponse;
    try {
      response = await handler(sqsEvent([groupA[0]!, groupB[0]!, groupA[1]!, groupB[1]!, groupA[2]!, groupB[2]!]), lambdaContext(60_000));
    } finally {
      brokerControl.thaw('broker-a');
    }

    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(groupA.map((r) => r.messageId));
    const offsets = [];
    for (const record of groupB) offsets.push((await queryByKey(reader, brokers, 'TopicOrder', record.messageId))!.queueOffset);
    expect(offsets).toEqual([offsets[0], offsets[0]! + 1, offsets[0]! + 2]);
    // The first of group A may have been stored when broker-a woke up; the rest was never sent.
    expect(await stored(groupA[1]!.messageId, 'TopicTest', 1000)).toBe(false);
    expect(await stored(groupA[2]!.messageId, 'TopicOrder', 1000)).toBe(false);
  });
});
