// The DynamoDB state layer against DynamoDB Local (or the endpoint TEST_DYNAMODB names).
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { localClient } from '../../infra/local/dynamodb.ts';
import { ensureTable } from '../../infra/table.ts';
import { DynamoDbSharedState } from '../../lib/internal.ts';
import type { TopicRouteData } from '../../lib/internal.ts';

const client = localClient(inject('dynamodbEndpoint'));
const tableName = `state-${process.pid}-${Date.now()}`;
let scopeCounter = 0;
const state = (writer = 'writer-1') => new DynamoDbSharedState({ tableName, client, scope: `s${++scopeCounter}`, writer });
const route: TopicRouteData = {
  queueDatas: [{ brokerName: 'broker-a', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 }],
  brokerDatas: [{ cluster: 'c', brokerName: 'broker-a', brokerAddrs: { '0': '127.0.0.1:20911' } }],
};

beforeAll(() => ensureTable(client, tableName));
afterAll(() => client.destroy());

describe('DynamoDB shared state', () => {
  it('leaves the longest isolation after 50 concurrent writers race with different durations', async () => {
    const s = state();
    const now = Date.now();
    const untils = Array.from({ length: 50 }, (_, i) => now + 1000 + ((i * 7919) % 50) * 1000);

    const outcomes = await Promise.all(
      untils.map((until) => s.recordFault({ brokerName: 'broker-a', isolatedUntil: until, latencyMs: 30000, updatedAt: now })),
    );

    const [stored] = await s.loadFaults();
    expect(stored?.isolatedUntil).toBe(Math.max(...untils));
    expect(outcomes.some((o) => o.written)).toBe(true);
    const lost = outcomes.filter((o) => !o.written);
    expect(lost.length).toBeGreaterThan(0);
    for (const o of lost) if (!o.written) expect(o.winner?.brokerName).toBe('broker-a');
  });

  it('claims a probe only of a broker still isolated, once per interval, and creates no item for others', async () => {
    const s = state();
    const now = Date.now();
    await s.recordFault({ brokerName: 'isolated', isolatedUntil: now + 600_000, latencyMs: 30000, updatedAt: now });
    await s.recordFault({ brokerName: 'expired', isolatedUntil: now - 1000, latencyMs: 30000, updatedAt: now - 700_000 });

    const first = await s.claimProbe('isolated', now, now - 10_000);
    const again = await s.claimProbe('isolated', now + 1000, now + 1000 - 10_000);
    const expired = await s.claimProbe('expired', now, now - 10_000);
    const unknown = await s.claimProbe('never-seen', now, now - 10_000);

    expect(first.written).toBe(true);
    expect(again.written).toBe(false);
    expect(expired).toEqual({ written: false, winner: expect.objectContaining({ brokerName: 'expired', isolatedUntil: now - 1000 }) });
    expect(unknown).toEqual({ written: false, winner: undefined });
    expect((await s.loadFaults()).map((f) => f.brokerName).sort()).toEqual(['expired', 'isolated']);
  });

  it('never shortens an isolation, returning the one that stays', async () => {
    const s = state();
    const now = Date.now();
    await s.recordFault({ brokerName: 'b', isolatedUntil: now + 60_000, latencyMs: 1, updatedAt: now });

    const shorter = await s.recordFault({ brokerName: 'b', isolatedUntil: now + 5_000, latencyMs: 2, updatedAt: now });

    // The winner says who wrote it: the operator's "who isolated this broker".
    expect(shorter).toEqual({ written: false, winner: { brokerName: 'b', isolatedUntil: now + 60_000, latencyMs: 1, updatedAt: now, writtenBy: 'writer-1' } });
  });

  it('never replaces a route with one fetched earlier', async () => {
    const s = state();
    await s.putRoute({ topic: 'T', route, fetchedAt: Date.now() });

    const older = await s.putRoute({ topic: 'T', route: { ...route, queueDatas: [] }, fetchedAt: Date.now() - 60_000 });

    expect(older.written).toBe(false);
    const { routes } = await s.load();
    expect(routes[0]?.route.queueDatas.length).toBe(1);
  });

  it('lifts an isolation early only if nobody extended it since it was read', async () => {
    const s = state();
    const now = Date.now();
    await s.recordFault({ brokerName: 'b', isolatedUntil: now + 60_000, latencyMs: 1, updatedAt: now });

    const stale = await s.recordRecovery('b', now + 30_000, now);
    const current = await s.recordRecovery('b', now + 60_000, now);

    expect(stale.written).toBe(false);
    expect(current.written).toBe(true);
    expect((await s.loadFaults())[0]?.isolatedUntil).toBe(now);
  });

  it('ignores expired items that TTL has not deleted yet', async () => {
    const s = new DynamoDbSharedState({ tableName, client, scope: 'expired' });
    const past = Math.floor(Date.now() / 1000) - 10;
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          pk: { S: 'SCOPE#expired' },
          sk: { S: 'BROKER#b' },
          brokerName: { S: 'b' },
          isolatedUntil: { N: String(Date.now() + 600_000) },
          latencyMs: { N: '1' },
          updatedAt: { N: '1' },
          expiresAt: { N: String(past) },
        },
      }),
    );
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          pk: { S: 'SCOPE#expired' },
          sk: { S: 'ROUTE#T' },
          topic: { S: 'T' },
          route: { S: JSON.stringify(route) },
          fetchedAt: { N: String(Date.now()) },
          expiresAt: { N: String(past) },
        },
      }),
    );

    const loaded = await s.load();

    expect(loaded).toEqual({ faults: [], routes: [] });
    const stillThere = await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'SCOPE#expired' }, sk: { S: 'BROKER#b' } } }));
    expect(stillThere.Item).toBeDefined();
  });

  it('loads faults and routes of a scope in one round trip', async () => {
    const s = state();
    const now = Date.now();
    await s.recordFault({ brokerName: 'a', isolatedUntil: now + 60_000, latencyMs: 1, updatedAt: now });
    await s.putRoute({ topic: 'T1', route, fetchedAt: now });
    await s.putRoute({ topic: 'T2', route, fetchedAt: now });
    const readsBefore = s.calls.reads;

    const loaded = await s.load();

    expect(s.calls.reads - readsBefore).toBe(1);
    expect(loaded.faults.map((f) => f.brokerName)).toEqual(['a']);
    expect(loaded.routes.map((r) => r.topic).sort()).toEqual(['T1', 'T2']);
  });
});
