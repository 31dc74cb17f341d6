// Transactional messages on the real brokers: a half message stays out of consumers' sight until
// END_TRANSACTION commits it, never shows after a rollback, and can be ended from another producer
// of the group (another process, as a resolver is), from its HalfMessage alone.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createInternalProducer, RemotingClient, type HalfMessage, type RocketMQError } from '../../lib/internal.ts';
import { markOffsets, readSince, type OffsetMark, type QueueRef } from '../support/queue-reader.ts';
import { queryByKey } from '../support/read-back.ts';

const stack = inject('stack');
const brokers = [stack.brokers['broker-a'].address, stack.brokers['broker-b'].address];
const reader = new RemotingClient();
const group = 'tx-test';
const producer = createInternalProducer({ nameServers: [stack.nameServer], producerGroup: group });
await producer.start();

afterAll(async () => {
  await producer.shutdown();
  reader.shutdown();
});

const visible = (key: string, waitMs = 5000) => queryByKey(reader, brokers, 'TopicTest', key, { waitMs });

/**
 * The broker's own record that a half message is ended (committed or rolled back): an op message
 * in RMQ_SYS_TRANS_OP_HALF_TOPIC whose body lists the half's offset in RMQ_SYS_TRANS_HALF_TOPIC
 * ("75," ...). A 5.x broker writes these in batches every few seconds
 * (transactionOpBatchInterval, 3 s); one nobody ended is checked back with its producer instead.
 * Half messages all go to queue 0 of the half topic, and their ops to queue 0 of the op topic.
 */
const OP_TOPIC = 'RMQ_SYS_TRANS_OP_HALF_TOPIC';
const opQueueOf = (half: HalfMessage): QueueRef[] => [
  { brokerName: half.brokerName, address: stack.brokers[half.brokerName as keyof typeof stack.brokers].address, queueId: 0 },
];
async function endedOnBroker(half: HalfMessage, since: OffsetMark, waitMs = 12_000): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  do {
    const ops = await readSince(reader, OP_TOPIC, opQueueOf(half), since);
    if (ops.some((op) => op.body.toString('utf8').split(',').includes(String(half.tranStateTableOffset)))) return true;
    await new Promise((r) => setTimeout(r, 500));
  } while (Date.now() < deadline);
  return false;
}
const keyOf = (name: string) => `${name}-${Date.now()}-${Math.random().toString(36).slice(2)}`;

describe('transactional messages', () => {
  it('keeps a half message from consumers until it is committed, then delivers it whole', async () => {
    const key = keyOf('commit');

    const half = await producer.sendHalf({ topic: 'TopicTest', body: 'paid', keys: [key], tags: 'tx' });
    const before = await visible(key, 1500);
    await producer.endTransaction(half, 'COMMIT');

    const after = await visible(key);
    expect(before).toBeUndefined();
    expect(after?.body.toString()).toBe('paid');
    expect(after?.properties.get('TAGS')).toBe('tx');
    expect(after?.properties.get('UNIQ_KEY')).toBe(half.msgId);
    expect(half.tranStateTableOffset).toBeGreaterThanOrEqual(0);
  });

  it('never delivers a rolled back message, which the broker records as ended', async () => {
    const key = keyOf('rollback');
    const half = await producer.sendHalf({ topic: 'TopicTest', body: 'cancelled', keys: [key] });
    const opsBefore = await markOffsets(reader, OP_TOPIC, opQueueOf(half));

    await producer.endTransaction(half, 'ROLLBACK');

    // Not merely unseen yet: the broker took the rollback (a half nobody ends is not delivered either).
    expect(await endedOnBroker(half, opsBefore)).toBe(true);
    expect(await visible(key, 2000)).toBeUndefined();
  });

  it('is ended by another producer of the group from the HalfMessage alone (JSON round trip)', async () => {
    const key = keyOf('elsewhere');
    const half = await producer.sendHalf({ topic: 'TopicTest', body: 'ended elsewhere', keys: [key] });
    const other = createInternalProducer({ nameServers: [stack.nameServer], producerGroup: group });
    await other.start();

    await other.endTransaction(JSON.parse(JSON.stringify(half)) as HalfMessage, 'COMMIT');
    await other.shutdown();

    expect((await visible(key))?.body.toString()).toBe('ended elsewhere');
  });

  it('reports what the broker refuses: another group, or offsets that point at no half message', async () => {
    const half = await producer.sendHalf({ topic: 'TopicTest', body: 'x', keys: [keyOf('refused')] });
    const stranger = createInternalProducer({ nameServers: [stack.nameServer], producerGroup: 'not-the-group' });
    await stranger.start();

    const wrongGroup = await stranger.endTransaction({ ...half, producerGroup: 'not-the-group' }, 'COMMIT').catch((e: RocketMQError) => e);
    const wrongOffset = await producer
      .endTransaction({ ...half, tranStateTableOffset: half.tranStateTableOffset + 1000 }, 'COMMIT')
      .catch((e: RocketMQError) => e);
    await stranger.shutdown();
    await producer.endTransaction(half, 'ROLLBACK');

    expect((wrongGroup as RocketMQError).codeName).toBe('SYSTEM_ERROR');
    expect((wrongGroup as RocketMQError).message).toMatch(/producer group wrong/);
    expect((wrongOffset as RocketMQError).message).toMatch(/offset wrong/);
  });

  it('runs a local transaction between the half message and its end, and leaves an UNKNOWN or throwing one pending', async () => {
    const [committed, unknown, thrown] = [keyOf('local-commit'), keyOf('local-unknown'), keyOf('local-throw')];

    const ok = await producer.sendInTransaction({ topic: 'TopicTest', body: 'local ok', keys: [committed] }, async () => 'COMMIT');
    const pending = await producer.sendInTransaction({ topic: 'TopicTest', body: 'undecided', keys: [unknown] }, async () => 'UNKNOWN' as const);
    const failed = await producer.sendInTransaction({ topic: 'TopicTest', body: 'threw', keys: [thrown] }, () => {
      throw new Error('database down');
    });

    expect([ok.state, ok.ended]).toEqual(['COMMIT', true]);
    expect([pending.state, pending.ended, failed.state, failed.ended]).toEqual(['UNKNOWN', false, 'UNKNOWN', false]);
    expect((failed.error as Error).message).toBe('database down');
    expect((await visible(committed))?.body.toString()).toBe('local ok');
    expect(await visible(unknown, 1000)).toBeUndefined();
    await producer.endTransaction(pending.half, 'ROLLBACK');
    await producer.endTransaction(failed.half, 'ROLLBACK');
  });

  it('refuses a delayed transactional message before sending', async () => {
    const error = await producer.sendHalf({ topic: 'TopicTest', body: 'x', delayLevel: 2 }).catch((e: RocketMQError) => e);

    expect((error as RocketMQError).context.field).toBe('delayLevel');
  });
});
