// Routes, heartbeats and connection reuse against the real name server and brokers.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { probe } from '../../infra/local/probe.ts';
import { buildClientId } from '../../lib/internal.ts';
import { sendHeartbeats, unregisterClient } from '../../lib/internal.ts';
import { RocketMQError } from '../../lib/internal.ts';
import { RequestCode } from '../../lib/internal.ts';
import { RemotingClient } from '../../lib/internal.ts';
import { NameServerClient } from '../../lib/internal.ts';
import { RouteCache } from '../../lib/internal.ts';
import { parseTopicRouteData, sameRoute } from '../../lib/internal.ts';
import { respond, startFakePeer } from '../support/fake-peer.ts';

const stack = inject('stack');
const remoting = new RemotingClient();
const nameServer = new NameServerClient(remoting, [stack.nameServer], 3000);
const brokerA = stack.brokers['broker-a'].address;
const brokerB = stack.brokers['broker-b'].address;

afterAll(() => remoting.shutdown());

describe('routes from the real name server', () => {
  it('routes a topic spread over broker-a and broker-b to 4 queues on each master', async () => {
    const cache = new RouteCache(nameServer);

    const info = await cache.publishInfo('TopicTest');

    expect(info.fromDefaultTopic).toBe(false);
    expect(info.messageQueues.map((q) => `${q.brokerName}/${q.queueId}`)).toEqual([
      'broker-a/0',
      'broker-a/1',
      'broker-a/2',
      'broker-a/3',
      'broker-b/0',
      'broker-b/1',
      'broker-b/2',
      'broker-b/3',
    ]);
    expect(Object.fromEntries(info.masters)).toEqual({ 'broker-a': brokerA, 'broker-b': brokerB });
  });

  it('lends an unknown topic the TBW102 route, capped at 4 queues per broker', async () => {
    const cache = new RouteCache(nameServer);
    const topic = `AutoCreated${Date.now()}`;

    const info = await cache.publishInfo(topic);

    expect(info.fromDefaultTopic).toBe(true);
    expect(info.topic).toBe(topic);
    expect(info.messageQueues.every((q) => q.topic === topic)).toBe(true);
    const count = (broker: string) => info.messageQueues.filter((q) => q.brokerName === broker).length;
    // TBW102 has 8 queues on each broker; the producer asks for defaultTopicQueueNums (4).
    expect([count('broker-a'), count('broker-b')]).toEqual([4, 4]);
  });

  it('says which name servers were asked when neither the topic nor the default topic has a route', async () => {
    const cache = new RouteCache(nameServer, { defaultTopic: 'NoSuchDefaultTopic' });

    const error = await cache.publishInfo('NoSuchTopicEither').catch((err: RocketMQError) => err);

    expect(error).toBeInstanceOf(RocketMQError);
    expect((error as RocketMQError).code).toBe(10005);
    expect((error as RocketMQError).message).toContain(stack.nameServer);
    expect((error as RocketMQError).message).toContain('NoSuchDefaultTopic');
  });

  it('serves a cached route until the refresh interval passes', async () => {
    let now = 0;
    const cache = new RouteCache(nameServer, { refreshIntervalMs: 1000, now: () => now });

    await cache.publishInfo('TopicTest');
    await cache.publishInfo('TopicTest');
    const cachedLookups = cache.lookups;
    now = 1000;
    await cache.publishInfo('TopicTest');

    expect(cachedLookups).toBe(1);
    expect(cache.lookups).toBe(2);
  });

  it('serves an old route at once and refreshes it beside the send, one lookup at a time, backing off after a failure', async () => {
    // Fake: a name server that answers the first lookup with the real route, then goes silent
    // (a frozen process), which the real one cannot be made to do for one test only.
    const real = (await nameServer.getRoute('TopicTest'))!;
    let answering = true;
    const frozen = await startFakePeer(({ header, socket }) => {
      if (answering) respond(socket, header.opaque, 0, {}, Buffer.from(JSON.stringify(real)));
    });
    const work: Promise<unknown>[] = [];
    let now = 0;
    const cache = new RouteCache(new NameServerClient(remoting, [frozen.address], 3000), {
      refreshIntervalMs: 1000,
      now: () => now,
      track: (w) => work.push(w),
    });
    await cache.publishInfo('TopicTest');
    answering = false;
    now = 1000;

    const served = await cache.publishInfo('TopicTest');
    const again = await cache.publishInfo('TopicTest');
    const lookupsWhileInFlight = cache.lookups;
    const waitStarted = Date.now();
    await Promise.all(work); // the background lookup gives up (BACKGROUND_LOOKUP_MS)
    const backgroundTook = Date.now() - waitStarted;
    const afterFailure = await cache.publishInfo('TopicTest');
    const lookupsInBackoff = cache.lookups;
    now = 1000 + 1000; // the first backoff is 1 s
    await cache.publishInfo('TopicTest');
    await Promise.all(work);
    await frozen.close();

    expect([served, again, afterFailure].every((info) => info.messageQueues.length === 8)).toBe(true);
    expect(lookupsWhileInFlight).toBe(2); // the first answered, one refresh for both sends
    expect(lookupsInBackoff).toBe(2);
    expect(cache.lookups).toBe(3);
    expect(work).toHaveLength(2);
    // Bounded by BACKGROUND_LOOKUP_MS (1 s), not by the name server timeout (3 s) a send would use.
    expect(backgroundTook).toBeLessThan(2500);
  });

  it('never waits for a lookup past the deadline it is given', async () => {
    const silent = await startFakePeer(() => undefined);
    const cache = new RouteCache(new NameServerClient(remoting, [silent.address], 3000));
    const deadline = Date.now() + 200;

    const error = await cache.publishInfo('TopicTest', { deadline }).catch((err: RocketMQError) => err);
    const finished = Date.now();
    await silent.close();

    expect((error as RocketMQError).codeName).toBe('NO_NAME_SERVER_EXCEPTION');
    expect(finished).toBeGreaterThanOrEqual(deadline - 5);
    expect(finished - deadline).toBeLessThan(2000); // ended by the deadline, not by the 3 s timeout
  });

  it('asks the next name server within a bounded lookup when the first one is frozen, and starts there next time', async () => {
    const frozen = await startFakePeer(() => undefined);
    const client = new NameServerClient(remoting, [frozen.address, stack.nameServer], 3000, 0);

    const route = await client.getRoute('TopicTest', Date.now() + 1000);
    const again = await client.getRoute('TopicTest', Date.now() + 1000);
    await frozen.close();

    expect(route?.queueDatas.length).toBe(2);
    expect(again?.queueDatas.length).toBe(2);
    expect(frozen.received.length).toBe(1); // the second lookup went to the healthy one first
  });

  it('fails over from a name server that cannot answer, and stays on the one that did', async () => {
    // Fake: a name server that answers "not ready" (SYSTEM_ERROR) on demand.
    const sick = await startFakePeer(({ header, socket }) => respond(socket, header.opaque, 1, { remark: 'name server not ready' }));
    const client = new NameServerClient(remoting, [sick.address, stack.nameServer], 2000);

    const first = await client.getRoute('TopicTest');
    const second = await client.getRoute('TopicTest');
    await sick.close();

    expect(first?.queueDatas.length).toBe(2);
    expect(second?.queueDatas.length).toBe(2);
    expect(sick.received.length).toBeLessThanOrEqual(1);
  });

  it('reports NO_NAME_SERVER_EXCEPTION naming every name server when none answers', async () => {
    const dead = await startFakePeer(() => undefined);
    const address = dead.address;
    await dead.close();
    const client = new NameServerClient(remoting, [address], 1000);

    const error = await client.getRoute('TopicTest').catch((err: RocketMQError) => err);

    expect((error as RocketMQError).codeName).toBe('NO_NAME_SERVER_EXCEPTION');
    expect((error as RocketMQError).message).toContain(address);
  });

  it('parses the legacy body the real name server sends to an old client version', async () => {
    // Version 100 and no acceptStandardJsonOnly: the name server falls back to fastjson defaults.
    const legacy = await probe(stack.nameServer, RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicTest' }, 3000, 100);
    const standard = await nameServer.getRoute('TopicTest');
    const text = legacy.body.toString('utf8');

    expect(text).toMatch(/"brokerAddrs":\{0:"/);
    expect(() => JSON.parse(text)).toThrow();
    expect(sameRoute(parseTopicRouteData(legacy.body), standard!)).toBe(true);
  });
});

describe('heartbeats to the real brokers', () => {
  it('are accepted by both masters, which answer with their version (V5_3_3 = 479)', async () => {
    const clientId = buildClientId();

    const acks = await sendHeartbeats(remoting, [brokerA, brokerB], clientId, ['route-test-group'], 3000);

    expect(acks).toEqual([
      { address: brokerA, ok: true, brokerVersion: 479 },
      { address: brokerB, ok: true, brokerVersion: 479 },
    ]);
    const unregistered = await unregisterClient(remoting, [brokerA, brokerB], clientId, 'route-test-group', 3000);
    expect(unregistered.every((a) => a.ok)).toBe(true);
  });

  it('reports a broker that cannot be reached per address instead of failing them all', async () => {
    const dead = await startFakePeer(() => undefined);
    const deadAddress = dead.address;
    await dead.close();

    const acks = await sendHeartbeats(remoting, [deadAddress, brokerA], buildClientId(), ['route-test-group'], 2000);

    expect(acks.map((a) => [a.address, a.ok])).toEqual([
      [deadAddress, false],
      [brokerA, true],
    ]);
  });
});

describe('connection reuse with the real broker', () => {
  it('reuses one connection per address', async () => {
    const client = new RemotingClient();

    const first = client.connection(brokerA);
    await client.invoke(brokerA, { code: RequestCode.GET_BROKER_RUNTIME_INFO, extFields: {} }, 3000);
    const second = client.connection(brokerA);
    client.shutdown();

    expect(second).toBe(first);
  });

  it('replaces a connection that sat idle past the limit before using it', async () => {
    const client = new RemotingClient({ idleLimitMs: 200 });

    const before = await client.invoke(brokerA, { code: RequestCode.GET_BROKER_RUNTIME_INFO, extFields: {} }, 3000);
    const first = client.connection(brokerA);
    await new Promise((r) => setTimeout(r, 300));
    const after = await client.invoke(brokerA, { code: RequestCode.GET_BROKER_RUNTIME_INFO, extFields: {} }, 3000);
    const second = client.connection(brokerA);
    client.shutdown();

    expect([before.code, after.code]).toEqual([0, 0]);
    expect(client.staleReplaced).toBe(1);
    expect(first.closed).toBe(true);
    expect(second).not.toBe(first);
  });
});
