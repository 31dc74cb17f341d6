// Without a state table there is nowhere to keep a transaction's decision across Lambdas: the
// transactional routes refuse before sending anything, and the resolver has nothing to do.
import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { sharedEngine } from '../../lib/internal.ts';
import { httpApiEvent, lambdaContext, scheduledEvent } from '../support/events.ts';

const stack = inject('stack');
Object.assign(process.env, {
  NAMESRV_ADDR: stack.nameServer,
  PRODUCER_GROUP: 'tx-disabled',
  ALLOWED_TOPICS: 'TopicTest',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'CRITICAL',
});
delete process.env.STATE_TABLE;
const { handler: publish } = await import('../../functions/publish/index.ts');
const { handler: resolver } = await import('../../functions/transaction-resolver/index.ts');

afterAll(() => sharedEngine().close());

describe('transactions without a state table', () => {
  it('answers 501 TRANSACTIONS_DISABLED and sends no half message', async () => {
    const event = httpApiEvent('POST', '/topics/TopicTest/transactions', JSON.stringify({ body: 'x' }), { 'content-type': 'application/json' });

    const response = (await publish(event, lambdaContext())) as APIGatewayProxyResult;

    expect([response.statusCode, JSON.parse(response.body).error.code]).toEqual([501, 'TRANSACTIONS_DISABLED']);
    expect(sharedEngine().producer?.stats().attempts ?? 0).toBe(0);
  });

  it('lets the resolver say it is disabled rather than fail every minute', async () => {
    expect(await resolver(scheduledEvent(), lambdaContext())).toEqual({ disabled: true });
  });
});
