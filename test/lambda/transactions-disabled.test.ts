// Without a state table there is nowhere to keep a transaction's decision across Lambdas: the
// transactional routes refuse before sending anything, and the resolver has nothing to do.
import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { RemotingClient, sharedEngine } from '../../lib/internal.ts';
import { httpApiEvent, lambdaContext, scheduledEvent } from '../support/events.ts';
import { markOffsets, readSince } from '../support/queue-reader.ts';

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

const reader = new RemotingClient();
// Every half message a broker takes goes to queue 0 of its RMQ_SYS_TRANS_HALF_TOPIC, whoever sent it.
const halfQueues = Object.entries(stack.brokers).map(([brokerName, broker]) => ({ brokerName, address: broker.address, queueId: 0 }));

afterAll(async () => {
  reader.shutdown();
  await sharedEngine().close();
});

describe('transactions without a state table', () => {
  it('answers 501 TRANSACTIONS_DISABLED and sends no half message', async () => {
    const key = `tx-disabled-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const event = httpApiEvent('POST', '/topics/TopicTest/transactions', JSON.stringify({ body: 'x', keys: [key] }), { 'content-type': 'application/json' });
    const halvesBefore = await markOffsets(reader, 'RMQ_SYS_TRANS_HALF_TOPIC', halfQueues);

    const response = (await publish(event, lambdaContext())) as APIGatewayProxyResult;

    expect([response.statusCode, JSON.parse(response.body).error.code]).toEqual([501, 'TRANSACTIONS_DISABLED']);
    // The warm producer ran the invocation and attempted nothing...
    expect(sharedEngine().producer?.stats()).toMatchObject({ sends: 0, attempts: 0 });
    // ...and no broker holds a half message with the key, whichever producer could have sent it.
    const halves = await readSince(reader, 'RMQ_SYS_TRANS_HALF_TOPIC', halfQueues, halvesBefore);
    expect(halves.filter((m) => m.keys.includes(key))).toEqual([]);
  });

  it('lets the resolver say it is disabled rather than fail every minute', async () => {
    expect(await resolver(scheduledEvent(), lambdaContext())).toEqual({ disabled: true });
  });
});
