// The producer with shared state in DynamoDB Local, against the real brokers.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { localClient } from '../../infra/local/dynamodb.ts';
import { ensureTable } from '../../infra/table.ts';
import { createInternalProducer, type ProducerOptions } from '../../lib/internal.ts';
import { DynamoDbSharedState } from '../../lib/internal.ts';
import { respond, startFakePeer } from '../support/fake-peer.ts';
import { startRstProxy } from '../support/rst-proxy.ts';

const stack = inject('stack');
const endpoint = inject('dynamodbEndpoint');
const client = localClient(endpoint);
const tableName = `producer-state-${process.pid}-${Date.now()}`;
const brokerA = stack.brokers['broker-a'].address;
let scopeCounter = 0;

/** A state layer whose client counts every DynamoDB request it sends. */
function countedState(scope: string) {
  const counted = localClient(endpoint);
  const sent = { calls: 0 };
  counted.middlewareStack.add(
    (next) => async (args) => {
      sent.calls += 1;
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  return { state: new DynamoDbSharedState({ tableName, client: counted, scope }), sent, counted };
}

function producerWith(options: Partial<ProducerOptions>) {
  return createInternalProducer({ nameServers: [stack.nameServer], producerGroup: 'shared-state-test', logger: () => undefined, ...options });
}

beforeAll(() => ensureTable(client, tableName));
afterAll(() => client.destroy());

describe('producer with shared state', () => {
  it('avoids from its first send a broker the table says is isolated, without connecting to it', async () => {
    const scope = `cold-${++scopeCounter}`;
    const writer = new DynamoDbSharedState({ tableName, client, scope });
    await writer.recordFault({ brokerName: 'broker-a', isolatedUntil: Date.now() + 600_000, latencyMs: 30000, updatedAt: Date.now() });
    const producer = producerWith({ sharedState: new DynamoDbSharedState({ tableName, client, scope }) });

    await producer.start();
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => producer.send({ topic: 'TopicTest', body: `cold ${i}` })));
    const connected = producer.remoting.addresses();
    const learned = producer.sync!.counters.isolationsLearned;
    await producer.shutdown();

    expect(results.map((r) => r.queue.brokerName)).toEqual(Array(12).fill('broker-b'));
    expect(connected).not.toContain(brokerA);
    expect(learned).toBe(1);
  });

  it('writes the route it fetched, and a cold producer sends with it while no name server answers', async () => {
    const scope = `route-${++scopeCounter}`;
    const first = producerWith({ sharedState: new DynamoDbSharedState({ tableName, client, scope }) });
    await first.start();
    await first.send({ topic: 'TopicTest', body: 'fetches the route' });
    await first.shutdown(); // flushes the route write
    const silent = await startFakePeer(() => undefined); // a name server that never answers

    const cold = createInternalProducer({
      nameServers: [silent.address],
      producerGroup: 'shared-state-test',
      mqClientApiTimeout: 300,
      logger: () => undefined,
      sharedState: new DynamoDbSharedState({ tableName, client, scope }),
    });
    await cold.start();
    const result = await cold.send({ topic: 'TopicTest', body: 'no name server needed' });
    const lookups = cold.routes.lookups;
    await cold.shutdown();
    await silent.close();

    expect(result.status).toBe('SEND_OK');
    expect(lookups).toBe(0);
    expect(silent.received.length).toBe(0);
  });

  it('keeps the real age of a stored route: an old one is used at once and refreshed beside the first send', async () => {
    const scope = `route-age-${++scopeCounter}`;
    const fetcher = producerWith({});
    await fetcher.start({ warmTopics: ['TopicTest'] });
    const route = fetcher.routes.peek('TopicTest')!;
    await fetcher.shutdown();
    const fetchedAt = Date.now() - 45_000; // older than pollNameServerInterval (30 s), younger than 1 h
    await new DynamoDbSharedState({ tableName, client, scope }).putRoute({ topic: 'TopicTest', route: route.route, fetchedAt });

    const cold = producerWith({ sharedState: new DynamoDbSharedState({ tableName, client, scope }) });
    await cold.start();
    const loadedAge = cold.routes.fetchedAt('TopicTest');
    const result = await cold.send({ topic: 'TopicTest', body: 'old route, served' });
    await cold.flush();
    const refreshedAt = cold.routes.fetchedAt('TopicTest');
    await cold.shutdown();

    expect(loadedAge).toBe(fetchedAt);
    expect(result.status).toBe('SEND_OK');
    expect(cold.routes.lookups).toBe(1);
    expect(refreshedAt).toBeGreaterThan(fetchedAt + 40_000);
  });

  it('lets one container of the fleet probe an isolated broker per interval, and re-admits it for all', async () => {
    const scope = `probe-${++scopeCounter}`;
    await new DynamoDbSharedState({ tableName, client, scope }).recordFault({
      brokerName: 'broker-a',
      isolatedUntil: Date.now() + 600_000,
      latencyMs: 30000,
      updatedAt: Date.now(),
    });
    const fleet = [1, 2, 3].map(() =>
      producerWith({ sharedState: new DynamoDbSharedState({ tableName, client, scope }), isolationProbeInterval: 300, sharedStateRefreshInterval: 200 }),
    );
    await Promise.all(fleet.map((p) => p.start()));
    await Promise.all(fleet.map((p) => p.send({ topic: 'TopicTest', body: 'sees broker-a isolated' })));

    await new Promise((r) => setTimeout(r, 350));
    await Promise.all(fleet.map((p) => p.send({ topic: 'TopicTest', body: 'probe due' })));
    await Promise.all(fleet.map((p) => p.flush()));
    const probes = fleet.map((p) => p.stats());
    const stored = await new DynamoDbSharedState({ tableName, client, scope }).loadFaults();
    await new Promise((r) => setTimeout(r, 250));
    const later = await Promise.all(fleet.map((p) => Promise.all(Array.from({ length: 8 }, () => p.send({ topic: 'TopicTest', body: 're-admitted' })))));
    await Promise.all(fleet.map((p) => p.shutdown()));

    expect(probes.reduce((n, c) => n + c.isolationProbes, 0)).toBe(1);
    expect(probes.reduce((n, c) => n + c.isolationsLifted, 0)).toBe(1);
    expect(stored.find((f) => f.brokerName === 'broker-a')!.isolatedUntil).toBeLessThanOrEqual(Date.now());
    for (const results of later) expect(results.some((r) => r.queue.brokerName === 'broker-a')).toBe(true);
  });

  it('makes zero DynamoDB calls per message while warm: 10,000 sends', async () => {
    const { state, sent, counted } = countedState(`warm-${++scopeCounter}`);
    const producer = producerWith({ sharedState: state, sharedStateRefreshInterval: 3_600_000 });
    await producer.start();
    await producer.send({ topic: 'TopicTest', body: 'warm-up' });
    await producer.flush();
    const callsWhenWarm = sent.calls;
    const warm = producer.stats().sharedState!;

    for (let i = 0; i < 10_000; i += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, j) => producer.send({ topic: 'TopicTest', body: `w${i + j}` })));
    }
    await producer.flush();
    const calls = sent.calls - callsWhenWarm;
    const after = producer.stats().sharedState!;
    await producer.shutdown();
    counted.destroy();

    expect(callsWhenWarm).toBeGreaterThan(0); // the cold load and the route write did happen
    expect(producer.stats().sends).toBe(10_001);
    // None per message. What may still be written while warm is a fault event the fleet is told of:
    // a send slow enough to isolate a broker (550 ms, which a broker just started on a loaded
    // machine can take; CI met it), then that broker's probe or recovery, or a route fetched again.
    // Without such an event, not one call; with one, a few, never one per message or per batch.
    const why = `${calls} calls while warm, shared state ${JSON.stringify(after)}`;
    const events = after.isolationsSeen - warm.isolationsSeen + (after.routesWritten - warm.routesWritten);
    expect(after.reads - warm.reads, why).toBe(0);
    expect(calls, why).toBe(after.writes - warm.writes);
    expect(calls, why).toBeLessThanOrEqual(events === 0 ? 0 : 10);
  }, 120_000);

  it('re-reads fault state once the refresh interval passes, learning an isolation set elsewhere', async () => {
    const scope = `refresh-${++scopeCounter}`;
    const producer = producerWith({ sharedState: new DynamoDbSharedState({ tableName, client, scope }), sharedStateRefreshInterval: 300 });
    await producer.start();
    await producer.send({ topic: 'TopicTest', body: 'before' });

    await new DynamoDbSharedState({ tableName, client, scope }).recordFault({
      brokerName: 'broker-a',
      isolatedUntil: Date.now() + 600_000,
      latencyMs: 30000,
      updatedAt: Date.now(),
    });
    await new Promise((r) => setTimeout(r, 350));
    const after = await Promise.all(Array.from({ length: 8 }, () => producer.send({ topic: 'TopicTest', body: 'after' })));
    await producer.shutdown();

    expect(after.every((r) => r.queue.brokerName === 'broker-b')).toBe(true);
    expect(producer.sync!.counters.isolationsLearned).toBe(1);
  });

  it('keeps sending when DynamoDB does not answer, and says so once per episode', async () => {
    const lines: Record<string, unknown>[] = [];
    const dead = new DynamoDbSharedState({ tableName, client: localClient('http://127.0.0.1:1'), scope: 'dead' });
    const producer = producerWith({ sharedState: dead, sharedStateRefreshInterval: 0, logger: (l) => lines.push(l) });

    await producer.start();
    const results = await Promise.all(Array.from({ length: 5 }, () => producer.send({ topic: 'TopicTest', body: 'degraded' })));
    await producer.shutdown();

    expect(results.every((r) => r.status === 'SEND_OK')).toBe(true);
    expect(producer.sync!.counters.errors).toBeGreaterThan(1);
    expect(producer.sync!.counters.degradedEpisodes).toBe(1);
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);
  });

  it('replaces a socket that died while idle and resends on the same broker, without isolating it', async () => {
    // Fake name server: routes broker-a through a proxy that can kill the socket unseen.
    const proxy = await startRstProxy(brokerA);
    const route = {
      queueDatas: [{ brokerName: 'broker-a', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 }],
      brokerDatas: [{ cluster: 'LocalCluster', brokerName: 'broker-a', brokerAddrs: { '0': proxy.address } }],
    };
    const nameServer = await startFakePeer(({ header, socket }) => respond(socket, header.opaque, 0, {}, Buffer.from(JSON.stringify(route))));
    const producer = createInternalProducer({ nameServers: [nameServer.address], producerGroup: 'stale-test', logger: () => undefined });
    await producer.start();
    await producer.send({ topic: 'TopicTest', body: 'opens the socket' });

    await new Promise((r) => setTimeout(r, 1100)); // idle
    proxy.killSilently();
    const result = await producer.send({ topic: 'TopicTest', body: 'after the socket died' });
    const isolation = producer.faults!.isolatedFor('broker-a');
    await producer.shutdown();
    await nameServer.close();
    await proxy.close();

    expect(result.status).toBe('SEND_OK');
    expect(result.queue.brokerName).toBe('broker-a');
    expect(producer.stats().staleReconnects).toBe(1);
    expect(producer.stats().retries).toBe(0);
    expect(isolation).toBe(0);
    expect(proxy.connections).toBe(2);
  });
});
