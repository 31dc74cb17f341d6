// The scheduled route refresh with a real EventBridge event shape, the real cluster and DynamoDB Local.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { localAwsEnv, localClient } from '../../infra/local/dynamodb.ts';
import { ensureTable } from '../../infra/table.ts';
import { sharedEngine } from '../../lib/internal.ts';
import { DynamoDbSharedState } from '../../lib/internal.ts';
import { lambdaContext, scheduledEvent } from '../support/events.ts';

const stack = inject('stack');
const endpoint = inject('dynamodbEndpoint');
const table = `refresh-${process.pid}`;
const scope = 'refresh-test';
Object.assign(process.env, {
  NAMESRV_ADDR: stack.nameServer,
  PRODUCER_GROUP: 'route-refresh',
  STATE_TABLE: table,
  STATE_SCOPE: scope,
  REFRESH_TOPICS: 'TopicTest,TopicOrder',
  ...localAwsEnv(endpoint),
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'CRITICAL',
});
const client = localClient(endpoint);
const state = new DynamoDbSharedState({ tableName: table, client, scope });
const { handler } = await import('../../functions/route-refresh/index.ts');

beforeAll(() => ensureTable(client, table));
afterAll(async () => {
  await sharedEngine().close();
  client.destroy();
});

describe('route refresh function', () => {
  it('writes the routes of configured topics and of topics found in the table, then writes nothing while they stay the same', async () => {
    await state.putRoute({ topic: 'TopicBatch', route: { queueDatas: [], brokerDatas: [] }, fetchedAt: Date.now() - 7_200_000 });

    const first = await handler(scheduledEvent(), lambdaContext());
    const second = await handler(scheduledEvent(), lambdaContext());

    expect(first).toMatchObject({ topics: 3, routesWritten: 3, refreshFailures: 0 });
    expect(second).toMatchObject({ topics: 3, routesWritten: 0 });
    const { routes } = await state.load();
    const batch = routes.find((r) => r.topic === 'TopicBatch');
    expect(batch?.route.queueDatas.map((q) => q.brokerName).sort()).toEqual(['broker-a', 'broker-b']);
  });

  it('probes an isolated broker that answers and lifts its isolation early', async () => {
    const until = Date.now() + 600_000;
    await state.recordFault({ brokerName: 'broker-a', isolatedUntil: until, latencyMs: 30000, updatedAt: Date.now() });

    const summary = await handler(scheduledEvent(), lambdaContext());

    expect(summary).toMatchObject({ brokersProbed: 1, isolationsLifted: 1 });
    const [fault] = await state.loadFaults();
    expect(fault?.isolatedUntil).toBeLessThanOrEqual(Date.now());
  });
});
