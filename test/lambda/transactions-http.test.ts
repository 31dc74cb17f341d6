// Transactional publish over HTTP and the scheduled resolver, with real API Gateway and EventBridge
// event shapes, the real brokers and DynamoDB Local.
import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureLocalTable, localAwsEnv } from '../../infra/local/dynamodb.ts';
import { RemotingClient, sharedEngine } from '../../lib/internal.ts';
import { httpApiEvent, lambdaContext, scheduledEvent } from '../support/events.ts';
import { queryByKey } from '../support/read-back.ts';

const stack = inject('stack');
const endpoint = inject('dynamodbEndpoint');
const table = `tx-http-${process.pid}`;
Object.assign(process.env, {
  NAMESRV_ADDR: stack.nameServer,
  PRODUCER_GROUP: 'tx-http',
  STATE_TABLE: table,
  STATE_SCOPE: 'tx-http',
  ALLOWED_TOPICS: 'TopicTest',
  ...localAwsEnv(endpoint),
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'CRITICAL',
});
const { handler: publish } = await import('../../functions/publish/index.ts');
const { handler: resolver } = await import('../../functions/transaction-resolver/index.ts');
const brokers = [stack.brokers['broker-a'].address, stack.brokers['broker-b'].address];
const reader = new RemotingClient();
const keyOf = (name: string) => `${name}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
const visible = (key: string, waitMs = 5000) => queryByKey(reader, brokers, 'TopicTest', key, { waitMs });

async function post(path: string, payload?: unknown, contentType = 'application/json') {
  const event = httpApiEvent('POST', path, payload === undefined ? undefined : JSON.stringify(payload), { 'content-type': contentType });
  const response = (await publish(event, lambdaContext())) as APIGatewayProxyResult;
  return { status: response.statusCode, body: JSON.parse(response.body) };
}

beforeAll(() => ensureLocalTable(endpoint, table));
afterAll(async () => {
  await sharedEngine().close();
  reader.shutdown();
});

describe('transactional publish over HTTP', () => {
  it('opens a transaction whose message is delivered only once it is committed', async () => {
    const key = keyOf('http-commit');

    const begun = await post('/topics/TopicTest/transactions', { body: 'order 7', keys: [key], timeoutSeconds: 120 });
    const before = await visible(key, 1500);
    const committed = await post(`/transactions/${begun.body.transactionId}/commit`);
    const again = await post(`/transactions/${begun.body.transactionId}/commit`);

    expect(begun.status).toBe(200);
    expect(before).toBeUndefined();
    expect(committed).toEqual({ status: 200, body: { transactionId: begun.body.transactionId, state: 'COMMIT', ended: true } });
    expect(again.status).toBe(200); // idempotent
    expect((await visible(key))?.body.toString()).toBe('order 7');
  });

  it('rolls a transaction back, and refuses to commit it afterwards', async () => {
    const key = keyOf('http-rollback');
    const begun = await post('/topics/TopicTest/transactions', { body: 'cancelled', keys: [key] });

    const rolledBack = await post(`/transactions/${begun.body.transactionId}/rollback`);
    const late = await post(`/transactions/${begun.body.transactionId}/commit`);

    expect(rolledBack.status).toBe(200);
    expect([late.status, late.body.error.code]).toEqual([409, 'TRANSACTION_DECIDED']);
    expect(await visible(key, 1500)).toBeUndefined();
  });

  it('leaves an abandoned transaction to the resolver, which rolls it back once it is due', async () => {
    const key = keyOf('http-abandoned');
    const begun = await post('/topics/TopicTest/transactions', { body: 'abandoned', keys: [key], timeoutSeconds: 1 });
    await new Promise((r) => setTimeout(r, 1200));

    const summary = await resolver(scheduledEvent(), lambdaContext());

    expect(summary).toMatchObject({ rolledBack: expect.any(Number), errors: 0 });
    expect((summary as { rolledBack: number }).rolledBack).toBeGreaterThanOrEqual(1);
    expect(await visible(key, 1500)).toBeUndefined();
    expect((await post(`/transactions/${begun.body.transactionId}/commit`)).status).toBe(409);
  });

  const bad: [string, string, unknown, string, number, string][] = [
    ['a timeout out of range', '/topics/TopicTest/transactions', { body: 'x', timeoutSeconds: 0 }, 'application/json', 400, 'timeoutSeconds'],
    ['a delay on a transactional message', '/topics/TopicTest/transactions', { body: 'x', delayLevel: 2 }, 'application/json', 400, 'delayLevel'],
    ['a raw body', '/topics/TopicTest/transactions', 'x', 'text/plain', 415, 'content-type'],
    ['a malformed transaction id', '/transactions/not-an-id/commit', undefined, 'application/json', 400, 'transactionId'],
    ['an unknown transaction', `/transactions/${'A'.repeat(32)}/commit`, undefined, 'application/json', 404, 'transactionId'],
  ];
  for (const [what, path, payload, type, status, field] of bad) {
    it(`answers ${status} naming ${field} for ${what}`, async () => {
      const response = await post(path, payload, type);

      expect([response.status, response.body.error.field]).toEqual([status, field]);
    });
  }
});
