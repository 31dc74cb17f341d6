// Broker-side failures as HTTP statuses: 503 when no name server answers, 504 when the Lambda has
// no time left for the send. A scripted name server stands in, because the real one cannot be
// made unreachable for one test file only.
import { afterAll, describe, expect, it } from 'vitest';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { sharedEngine } from '../../lib/internal.ts';
import { httpApiEvent, lambdaContext } from '../support/events.ts';
import { startFakePeer } from '../support/fake-peer.ts';

const silent = await startFakePeer(() => undefined);
const deadAddress = silent.address;
await silent.close();
Object.assign(process.env, {
  NAMESRV_ADDR: deadAddress,
  PRODUCER_GROUP: 'publish-failures',
  ALLOWED_TOPICS: 'TopicTest',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'CRITICAL',
});
delete process.env.STATE_TABLE;
const { handler } = await import('../../functions/publish/index.ts');
const post = (remainingMs: number) =>
  handler(
    httpApiEvent('POST', '/topics/TopicTest/messages', JSON.stringify({ body: 'x' }), { 'content-type': 'application/json' }),
    lambdaContext(remainingMs),
  ) as Promise<APIGatewayProxyResult>;

afterAll(() => sharedEngine().close());

describe('HTTP publish when brokers fail', () => {
  it('answers 503 with the client code when no name server answers', async () => {
    const response = await post(10_000);

    expect(response.statusCode).toBe(503);
    const { error } = JSON.parse(response.body);
    expect(error).toMatchObject({ code: 'NO_NAME_SERVER_EXCEPTION', rocketmqCode: 10004, retriable: true });
    // The request id to quote, and nothing of the cluster: no addresses, no attempts.
    expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.body).not.toContain(deadAddress);
    expect(error).not.toHaveProperty('attempts');
    expect(error).not.toHaveProperty('brokers');
  });

  it('answers 504 without sending when the invocation has less time left than the margin', async () => {
    const response = await post(400);

    expect(response.statusCode).toBe(504);
    expect(JSON.parse(response.body).error).toMatchObject({ code: 'ACCESS_BROKER_TIMEOUT', rocketmqCode: 10002 });
  });
});
