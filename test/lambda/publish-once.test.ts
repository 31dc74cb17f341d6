// Publish once (PUBLISH_ONCE=on): a message sent again because its first outcome was unknown carries
// the same UNIQ_KEY (an SQS record redelivered, an HTTP request retried with its Idempotency-Key),
// and one the brokers hold already is not sent again. Against the real brokers: the queue is read
// back for the copies, and the admin tool finds a derived id by its unique key.
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import type { APIGatewayProxyResult, SQSRecord } from 'aws-lambda';
import { ensureRocketMqJars } from '../../infra/local/jars.ts';
import { defaultSite, runAdmin } from '../../infra/local/rocketmq.ts';
import { RemotingClient, sharedEngine, stableMessageId } from '../../lib/internal.ts';
import { httpApiEvent, lambdaContext, sqsEvent, sqsRecord } from '../support/events.ts';
import { copiesByKey, queryByKey, queryByUniqueKey } from '../support/read-back.ts';

const stack = inject('stack');
const brokers = [stack.brokers['broker-a'].address, stack.brokers['broker-b'].address];
Object.assign(process.env, {
  NAMESRV_ADDR: stack.nameServer,
  PRODUCER_GROUP: 'publish-once',
  TARGET_TOPIC: 'TopicTest',
  ALLOWED_TOPICS: 'TopicTest,TopicBatch',
  PUBLISH_ONCE: 'on',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'CRITICAL',
});
delete process.env.STATE_TABLE;
const bridge = (await import('../../functions/sqs-bridge/index.ts')).handler;
const { toMessage, readBridgeConfig } = await import('../../functions/sqs-bridge/bridge.ts');
const publish = (await import('../../functions/publish/index.ts')).handler;
const reader = new RemotingClient();
const engine = sharedEngine();
afterAll(async () => {
  await engine.close();
  reader.shutdown();
});

const sends = () => engine.producer?.stats().sends ?? 0;
const again = (record: SQSRecord, receiveCount: number): SQSRecord => ({
  ...record,
  attributes: { ...record.attributes, ApproximateReceiveCount: String(receiveCount) },
});

describe('the SQS bridge, publishing once', () => {
  it('gives every delivery of a record one UNIQ_KEY, timed when SQS took the record in, which the admin tool finds', async () => {
    const record = sqsRecord('same id every time');
    const sentAt = Number(record.attributes.SentTimestamp);

    const first = toMessage(record, readBridgeConfig(process.env)).message!;
    const later = toMessage(again(record, 5), readBridgeConfig(process.env)).message!;
    await bridge(sqsEvent([record]), lambdaContext());
    const admin = await runAdmin(defaultSite(ensureRocketMqJars()), ['queryMsgByUniqueKey', '-n', stack.nameServer, '-t', 'TopicTest', '-i', first.id!]);

    expect(first.id).toBe(later.id);
    expect(first.id).toBe(stableMessageId(`sqs:${record.messageId}`, sentAt));
    expect((await queryByUniqueKey(reader, brokers, 'TopicTest', first.id!)).body.toString()).toBe('same id every time');
    expect(admin).toContain(first.id!);
  }, 60_000);

  it('confirms a redelivered record the brokers hold already without sending it again: one copy in the topic', async () => {
    const record = sqsRecord('stored on the first delivery');
    expect(await bridge(sqsEvent([record]), lambdaContext())).toEqual({ batchItemFailures: [] });
    await queryByKey(reader, brokers, 'TopicTest', record.messageId); // indexed before SQS would redeliver
    const before = sends();

    const redelivery = await bridge(sqsEvent([again(record, 2)]), lambdaContext());

    expect(redelivery).toEqual({ batchItemFailures: [] });
    expect(sends()).toBe(before);
    expect(await copiesByKey(reader, brokers, 'TopicTest', record.messageId)).toHaveLength(1);
  });

  it('sends a redelivered record whose first delivery stored nothing (no false "already stored"), once', async () => {
    const record = again(sqsRecord('first delivery never reached a broker'), 3);
    const before = sends();

    const response = await bridge(sqsEvent([record]), lambdaContext());

    expect(response).toEqual({ batchItemFailures: [] });
    expect(sends()).toBe(before + 1);
    const copies = await copiesByKey(reader, brokers, 'TopicTest', record.messageId);
    expect(copies.map((c) => c.properties.get('UNIQ_KEY'))).toEqual([toMessage(record, readBridgeConfig(process.env)).message!.id]);
  });
});

describe('HTTP publish with an Idempotency-Key, publishing once', () => {
  const post = async (payload: unknown, key?: string, path = '/topics/TopicTest/messages') => {
    const headers = { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) };
    const response = (await publish(httpApiEvent('POST', path, JSON.stringify(payload), headers), lambdaContext())) as APIGatewayProxyResult;
    return { status: response.statusCode, body: JSON.parse(response.body), headers: response.headers ?? {} };
  };

  it('answers a retry with the first answer (same msgId) and stores the message once', async () => {
    const key = `order-${Date.now()}`;
    const first = await post({ body: 'charge 42', tags: 'charge', keys: [key] }, key);
    await queryByKey(reader, brokers, 'TopicTest', key); // the first response was lost; the client retries later
    const before = sends();

    const retry = await post({ body: 'charge 42', tags: 'charge', keys: [key] }, `"${key}"`);

    expect([first.status, retry.status]).toEqual([200, 200]);
    expect(retry.body.result.msgId).toBe(first.body.result.msgId);
    expect(retry.body.result.offsetMsgId).toBe(first.body.result.offsetMsgId);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(sends()).toBe(before);
    expect(await copiesByKey(reader, brokers, 'TopicTest', key)).toHaveLength(1);
  });

  it('finds the first answer of a retry that comes after the hour turned, though its ids are new', async () => {
    const key = `late-${Date.now()}`;
    const first = await post({ body: 'late retry', keys: [key] }, key);
    await queryByKey(reader, brokers, 'TopicTest', key);
    const before = sends();
    const realNow = Date.now.bind(Date);
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 3_600_000);
    let retry: Awaited<ReturnType<typeof post>>;
    try {
      retry = await post({ body: 'late retry', keys: [key] }, key);
    } finally {
      clock.mockRestore();
    }

    expect([retry.status, retry.body.result.msgId]).toEqual([200, first.body.result.msgId]);
    expect(sends()).toBe(before);
    expect(await copiesByKey(reader, brokers, 'TopicTest', key)).toHaveLength(1);
  });

  it('refuses a key reused with another message (422), and sends without a key as always', async () => {
    const key = `refund-${Date.now()}`;
    await post({ body: 'refund 7', keys: [key] }, key);
    await queryByKey(reader, brokers, 'TopicTest', key);

    const reused = await post({ body: 'refund 700', keys: [key] }, key);
    const plain = [await post({ body: 'no key', keys: [`${key}-plain`] }), await post({ body: 'no key', keys: [`${key}-plain`] })];

    expect([reused.status, reused.body.error.code, reused.body.error.field]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED', 'idempotency-key']);
    expect(plain.map((p) => p.status)).toEqual([200, 200]);
    expect(plain[0]!.body.result.msgId).not.toBe(plain[1]!.body.result.msgId);
  });

  it('gives each message of a batch its own id from the key, and replays the batch on a retry', async () => {
    const key = `batch-${Date.now()}`;
    const payload = { messages: [0, 1, 2].map((i) => ({ body: `item ${i}`, keys: [`${key}-${i}`] })) };
    const first = await post(payload, key, '/topics/TopicBatch/messages/batch');
    await queryByKey(reader, brokers, 'TopicBatch', `${key}-2`);

    const retry = await post(payload, key, '/topics/TopicBatch/messages/batch');

    const ids = first.body.results.map((r: { msgId: string }) => r.msgId);
    expect(new Set(ids).size).toBe(3);
    expect(retry.body.results.map((r: { msgId: string }) => r.msgId)).toEqual(ids);
    expect(await copiesByKey(reader, brokers, 'TopicBatch', `${key}-1`)).toHaveLength(1);
  });

  it('refuses a malformed Idempotency-Key before anything is sent', async () => {
    const before = sends();
    const bad = await post({ body: 'x' }, 'caf\u00e9');

    expect([bad.status, bad.body.error.code, bad.body.error.field]).toEqual([400, 'INVALID_ARGUMENT', 'idempotency-key']);
    expect(sends()).toBe(before);
  });
});
