// Routes and broker isolations shared through DynamoDB from Workers in workerd: the AWS SDK v3
// client over fetch(), signed with credentials given as the Worker's bindings (what `wrangler
// secret put` gives a deployed one), against the stack's DynamoDB Local. Every "fresh isolate" is
// a workerd process of its own, so nothing can pass between them but the table. DynamoDB Local
// speaks plain HTTP on loopback; a deployed Worker reaches the region's HTTPS endpoint
// (https://dynamodb.<region>.amazonaws.com) with the same client, no endpoint binding set.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureEdgeRuntime } from '../../infra/edge-runtimes.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localClient } from '../../infra/local/dynamodb.ts';
import { REPO_ROOT } from '../../infra/local/config.ts';
import { probe } from '../../infra/local/probe.ts';
import { ensureTable } from '../../infra/table.ts';
import { DynamoDbSharedState, parseTopicRouteData, RemotingClient, type ProducerStats } from '../../lib/internal.ts';
import { freePort } from '../support/local-server.ts';
import { viewByOffsetId } from '../support/read-back.ts';
import { type ServedWorker, serveWorker } from './support/workerd.ts';

const stack = inject('stack');
const endpoint = inject('dynamodbEndpoint');
const client = localClient(endpoint);
const tableName = `edge-state-${process.pid}-${Date.now()}`;
const PUBLISH = `${REPO_ROOT}/functions/edge-publish/worker.ts`;
const STATE_WORKER = `${REPO_ROOT}/test/edge/programs/state-worker.ts`;
const TOKEN = `edge-state-${Math.random().toString(36).slice(2)}`;
const reader = new RemotingClient();
let workerd: string;
let scopes = 0;

/** The bindings of a deployment with STATE_TABLE: the table, its scope, and AWS credentials as secrets. */
const bindings = (scope: string) => ({
  NAMESRV_ADDR: stack.nameServer,
  PRODUCER_GROUP: 'edge-state',
  ALLOWED_TOPICS: 'TopicTest',
  PUBLISH_TOKEN: TOKEN,
  STATE_TABLE: tableName,
  STATE_SCOPE: scope,
  AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  AWS_REGION: LOCAL_REGION,
  // Only because the table is DynamoDB Local, over HTTP: unset in production (the region's HTTPS endpoint).
  AWS_ENDPOINT_URL_DYNAMODB: endpoint,
});

const newScope = (label: string) => `edge-${label}-${process.pid}-${Date.now()}-${++scopes}`;

/** A fresh isolate: a workerd process of its own, closed after `work`. */
async function inFreshIsolate<T>(entry: string, scope: string, work: (worker: ServedWorker) => Promise<T>, extra: Record<string, string> = {}): Promise<T> {
  const worker = await serveWorker(workerd, { entry, bindings: { ...bindings(scope), ...extra } });
  try {
    return await work(worker);
  } finally {
    await worker.close();
  }
}

interface PublishLog {
  status: number;
  routeLookups?: number;
  attempts?: number;
  sockets?: { opened: number; open: number; evicted: number };
  sharedState?: { reads: number; writes: number; errors: number; degraded: boolean; routesLoaded: number; isolationsLearned: number };
}

/** One publish through the edge publish Worker, and the line it logged for the request. */
async function publish(worker: ServedWorker, body: string) {
  const requestId = `edge-state-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const response = await fetch(`${worker.url}/topics/TopicTest/messages`, {
    method: 'POST',
    headers: { 'cf-ray': requestId, authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: new TextEncoder().encode(JSON.stringify({ body })),
  });
  const answer = JSON.parse(await response.text());
  for (let waited = 0; waited < 2000; waited += 20) {
    const line = worker
      .output()
      .split('\n')
      .find((l) => l.includes('"component":"edge-publish"') && l.includes(`"requestId":"${requestId}"`));
    if (line) return { status: response.status, answer, log: JSON.parse(line) as PublishLog };
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the Worker logged no line for ${requestId}:\n${worker.output()}`);
}

/** `count` sends with one producer in one request of the state Worker: where each was stored, and its counters. */
async function sendFrom(worker: ServedWorker, count: number): Promise<{ brokers: string[]; stats: ProducerStats }> {
  const response = await fetch(`${worker.url}/send?topic=TopicTest&count=${count}`);
  const answer = await response.json();
  if (response.status !== 200) throw new Error(`the Worker answered ${response.status}: ${JSON.stringify(answer)}\n${worker.output()}`);
  return answer as { brokers: string[]; stats: ProducerStats };
}

/** A loopback address nothing listens on: connecting to it is refused at once. */
const deadAddress = async () => `127.0.0.1:${await freePort()}`;

beforeAll(async () => {
  workerd = ensureEdgeRuntime('workerd');
  await ensureTable(client, tableName);
});

afterAll(() => {
  client.destroy();
  reader.shutdown();
});

describe('shared state through DynamoDB from Workers in workerd', () => {
  it('uses in a fresh isolate, without a name server lookup, the route an earlier isolate wrote to the table', async () => {
    const scope = newScope('route');

    const first = await inFreshIsolate(PUBLISH, scope, (worker) => publish(worker, 'looks the route up'));
    const second = await inFreshIsolate(PUBLISH, scope, (worker) => publish(worker, 'route from the table'));

    expect([first.status, second.status]).toEqual([200, 200]);
    // The first: one Query finding nothing, the lookup, the route written.
    expect(first.log.routeLookups).toBeGreaterThanOrEqual(1);
    expect(first.log.sharedState).toMatchObject({ routesLoaded: 0, errors: 0, degraded: false });
    expect(first.log.sharedState!.writes).toBeGreaterThanOrEqual(1);
    const stored = await new DynamoDbSharedState({ tableName, client, scope }).load();
    expect(stored.routes.map((r) => r.topic)).toEqual(['TopicTest']);
    // The second, in another process: the route from the table, a socket to the broker alone.
    expect(second.log.routeLookups).toBe(0);
    expect(second.log.sharedState).toMatchObject({ routesLoaded: 1, errors: 0, degraded: false });
    expect(second.log.sockets).toEqual({ opened: 1, open: 0, evicted: 0 });
    expect((await viewByOffsetId(reader, second.answer.result.offsetMsgId)).body.toString()).toBe('route from the table');
  });

  it('avoids in a fresh isolate a broker an earlier isolate isolated, from the first send, without connecting to it', async () => {
    const scope = newScope('isolation');
    // broker-a's address in the route is one nothing listens on: the first isolate to send there
    // fails to connect, isolates broker-a, and records it in the table.
    const response = await probe(stack.nameServer, 105, { topic: 'TopicTest', acceptStandardJsonOnly: 'true' });
    const route = parseTopicRouteData(response.body);
    const brokerA = route.brokerDatas.find((b) => b.brokerName === 'broker-a')!;
    brokerA.brokerAddrs = { '0': await deadAddress() };
    await new DynamoDbSharedState({ tableName, client, scope }).putRoute({ topic: 'TopicTest', route, fetchedAt: Date.now() });

    // Eight sends go round every queue of both brokers: the first isolate meets the dead one.
    const first = await inFreshIsolate(STATE_WORKER, scope, (worker) => sendFrom(worker, 8));
    const faults = await new DynamoDbSharedState({ tableName, client, scope }).loadFaults();
    const second = await inFreshIsolate(STATE_WORKER, scope, (worker) => sendFrom(worker, 8));

    expect(first.brokers).toEqual(Array(8).fill('broker-b'));
    expect(first.stats.retries).toBeGreaterThanOrEqual(1);
    expect(faults.map((f) => [f.brokerName, f.isolatedUntil > Date.now()])).toEqual([['broker-a', true]]);
    expect(faults[0]!.writtenBy).toMatch(/^edge isolate [0-9a-f]{8}$/);
    // The second process learns the isolation at start: not one attempt on broker-a, one socket.
    expect(second.brokers).toEqual(Array(8).fill('broker-b'));
    expect([second.stats.attempts, second.stats.retries]).toEqual([8, 0]);
    expect(second.stats.sockets).toEqual({ opened: 1, open: 0, evicted: 0 });
    expect(second.stats.routeLookups).toBe(0);
    expect(second.stats.sharedState).toMatchObject({ isolationsLearned: 1, errors: 0, degraded: false });
  });

  it('refuses STATE_TABLE without the AWS credentials a Worker must be given: 500 INVALID_CONFIG naming the binding', async () => {
    const missing = await inFreshIsolate(PUBLISH, newScope('refused'), (worker) => publish(worker, 'never sent'), { AWS_SECRET_ACCESS_KEY: '' });

    expect([missing.status, missing.answer.error.code, missing.answer.error.field]).toEqual([500, 'INVALID_CONFIG', 'AWS_SECRET_ACCESS_KEY']);
    expect(missing.log.sockets).toBeUndefined();
  });
});
