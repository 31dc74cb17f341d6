// Publish once over HTTP with the state table: Powertools Idempotency keeps a record per
// Idempotency-Key in DynamoDB (Local here, the real service's API), so a retry while the first
// request is in flight is 409, one with another payload 422, and one after it the first results,
// with the message stored once (read back from the brokers).
import { QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { ensureLocalTable, localAwsEnv, localClient } from '../../infra/local/dynamodb.ts';
import { RemotingClient, sharedEngine } from '../../lib/internal.ts';
import { httpApiEvent, lambdaContext } from '../support/events.ts';
import { copiesByKey, queryByKey } from '../support/read-back.ts';

const stack = inject('stack');
const endpoint = inject('dynamodbEndpoint');
const brokers = [stack.brokers['broker-a'].address, stack.brokers['broker-b'].address];
const table = `publish-once-${process.pid}`;
Object.assign(process.env, {
  NAMESRV_ADDR: stack.nameServer,
  PRODUCER_GROUP: 'publish-once-table',
  ALLOWED_TOPICS: 'TopicTest',
  STATE_TABLE: table,
  STATE_SCOPE: 'once',
  PUBLISH_ONCE: 'on',
  ...localAwsEnv(endpoint),
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'CRITICAL',
});
const { handler } = await import('../../functions/publish/index.ts');
const dynamodb = localClient(endpoint);
const reader = new RemotingClient();
beforeAll(() => ensureLocalTable(endpoint, table));
afterAll(async () => {
  await sharedEngine().close();
  reader.shutdown();
});

const post = async (payload: unknown, key: string) => {
  const event = httpApiEvent('POST', '/topics/TopicTest/messages', JSON.stringify(payload), { 'content-type': 'application/json', 'idempotency-key': key });
  const response = (await handler(event, lambdaContext())) as APIGatewayProxyResult;
  return { status: response.statusCode, body: JSON.parse(response.body), headers: response.headers ?? {} };
};
const records = async () =>
  (
    await dynamodb.send(
      new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'IDEMPOTENCY#once' } } }),
    )
  ).Items ?? [];

/** The idempotency record whose stored results (Powertools keeps them as a list of maps) hold `msgId`. */
const recordOf = async (msgId: string) => (await records()).find((r) => r.data?.L?.[0]?.M?.msgId?.S === msgId);

describe('HTTP publish once, with the idempotency record in the state table', () => {
  it('records the key, answers a retry with the first results, and stores the message once', async () => {
    const key = `pay-${Date.now()}`;
    const first = await post({ body: 'pay 10', keys: [key] }, key);
    const retry = await post({ body: 'pay 10', keys: [key] }, key);

    const record = await recordOf(first.body.result.msgId);
    expect([first.status, retry.status]).toEqual([200, 200]);
    expect(retry.body.result).toEqual(first.body.result);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(record?.status?.S).toBe('COMPLETED');
    expect(Number(record?.expiresAt?.N)).toBeGreaterThan(Date.now() / 1000 + 3600); // the table's TTL attribute
    expect(await copiesByKey(reader, brokers, 'TopicTest', key)).toHaveLength(1);
  });

  it('answers 409 while the first request with the key is in flight, and sends nothing', async () => {
    const key = `ship-${Date.now()}`;
    const first = await post({ body: 'ship 3', keys: [key] }, key);
    await queryByKey(reader, brokers, 'TopicTest', key);
    // The first request back in flight: its record IN_PROGRESS, as while its send is running.
    const record = (await recordOf(first.body.result.msgId))!;
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { pk: record.pk!, sk: record.sk! },
        UpdateExpression: 'SET #s = :p, in_progress_expiration = :until',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':p': { S: 'INPROGRESS' }, ':until': { N: String(Date.now() + 60_000) } },
      }),
    );

    const concurrent = await post({ body: 'ship 3', keys: [key] }, key);

    expect([concurrent.status, concurrent.body.error.code, concurrent.body.error.field]).toEqual([409, 'IDEMPOTENCY_KEY_IN_USE', 'idempotency-key']);
    expect(await copiesByKey(reader, brokers, 'TopicTest', key)).toHaveLength(1);
  });

  it('answers 422 for the key reused with another message, before the brokers are asked', async () => {
    const key = `refund-${Date.now()}`;
    await post({ body: 'refund 5', keys: [key] }, key);
    // The brokers would say 422 as well (by the stored body); the record must say it first.
    const lookups = vi.spyOn(sharedEngine().producer!, 'lookupStored');

    const reused = await post({ body: 'refund 500', keys: [key] }, key);

    const asked = lookups.mock.calls.length;
    lookups.mockRestore();
    expect([reused.status, reused.body.error.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    expect(asked).toBe(0);
  });
});
