// A real broker killed in the middle of a stream of sync sends.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createInternalProducer, NameServerClient, RemotingClient, type ProducerImpl, type SendResult } from '../../lib/internal.ts';
import { brokerControl, serviceControl } from '../../infra/local/stack.ts';

const stack = inject('stack');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether the name server answers a route for `topic` with both brokers in it. */
async function routeOf(topic: string): Promise<boolean> {
  const client = new RemotingClient();
  try {
    const route = await new NameServerClient(client, [stack.nameServer], 1000).getRoute(topic);
    return (route?.brokerDatas.length ?? 0) === 2;
  } catch {
    return false;
  } finally {
    client.shutdown();
  }
}

/** Sync sends one after another until stopped, every outcome kept. */
function sendStream(producer: ProducerImpl, pauseMs: number) {
  const results: SendResult[] = [];
  const errors: unknown[] = [];
  let stopped = false;
  const running = (async () => {
    for (let i = 0; !stopped; i++) {
      await producer.send({ topic: 'TopicTest', body: `m${i}` }).then(
        (r) => results.push(r),
        (e) => errors.push(e),
      );
      await sleep(pauseMs);
    }
  })();
  return {
    results,
    errors,
    stop: () => {
      stopped = true;
      return running;
    },
  };
}

afterAll(async () => {
  serviceControl.thaw('nameServer');
  brokerControl.thaw('broker-a');
  if (!brokerControl.isRunning('broker-a')) await brokerControl.restart('broker-a');
});

describe('broker-a killed mid-stream', () => {
  it('loses no send, isolates broker-a, moves to broker-b, and returns to broker-a after recovery', async () => {
    // Short isolations so the test sees one expire; the mechanism is the default one.
    const producer = createInternalProducer({
      nameServers: [stack.nameServer],
      producerGroup: 'kill-test',
      pollNameServerInterval: 500,
      faultTables: { latencyMax: [0, 1000], notAvailableDuration: [0, 3000], failureLatency: 1000 },
    });
    await producer.start();
    const stream = sendStream(producer, 5);
    const { results, errors } = stream;

    await sleep(500);
    const beforeKill = results.length;
    await brokerControl.kill('broker-a');
    const killedAt = Date.now();
    await sleep(1500);
    const isolatedAfterKill = producer.faults!.store.get('broker-a');
    const sentWhileDown = results.length;
    await sleep(1000);
    const whileDown = results.slice(sentWhileDown);
    await brokerControl.restart('broker-a');
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !results.slice(-20).some((r) => r.queue.brokerName === 'broker-a')) await sleep(200);
    await stream.stop();
    await producer.shutdown();

    expect(errors).toEqual([]);
    expect(results.slice(0, beforeKill).some((r) => r.queue.brokerName === 'broker-a')).toBe(true);
    expect(isolatedAfterKill?.startTimestamp).toBeGreaterThan(killedAt);
    expect(whileDown.length).toBeGreaterThan(0);
    expect(whileDown.every((r) => r.queue.brokerName === 'broker-b')).toBe(true);
    expect(results.slice(-20).some((r) => r.queue.brokerName === 'broker-a')).toBe(true);
  });
});

describe('name server frozen while routes are cached', () => {
  it('fails no send: the old route is served and refreshed beside the sends, backing off', async () => {
    const producer = createInternalProducer({ nameServers: [stack.nameServer], producerGroup: 'frozen-namesrv', pollNameServerInterval: 200 });
    await producer.start({ warmTopics: ['TopicTest'] });
    const errors: unknown[] = [];
    let sent = 0;

    serviceControl.freeze('nameServer');
    const until = Date.now() + 6000;
    try {
      while (Date.now() < until) {
        await producer.send({ topic: 'TopicTest', body: `while frozen ${sent}` }).then(
          () => (sent += 1),
          (e) => errors.push(e),
        );
        await sleep(20);
      }
    } finally {
      serviceControl.thaw('nameServer');
    }
    await producer.flush();
    await producer.shutdown();
    // A thawed name server may have dropped the brokers' channels while frozen; they register
    // again within 30 s. Later tests need the route back.
    const deadline = Date.now() + 45_000;
    while (Date.now() < deadline && !(await routeOf('TopicTest'))) await sleep(500);

    expect(errors).toEqual([]);
    expect(sent).toBeGreaterThan(50);
    // Lookups were tried while frozen, but backed off: far fewer than one per send.
    expect(producer.routes.lookups).toBeGreaterThan(1);
    expect(producer.routes.lookups).toBeLessThan(sent / 4);
  });
});

describe('broker-a frozen for 5 s with the 4.x tables (600 s isolation)', () => {
  it('re-admits broker-a once it answers a probe again, long before the isolation would end', async () => {
    const producer = createInternalProducer({ nameServers: [stack.nameServer], producerGroup: 'probe-test', isolationProbeInterval: 2000 });
    await producer.start({ warmTopics: ['TopicTest'] });
    const stream = sendStream(producer, 20);
    const { results, errors } = stream;

    await sleep(300);
    brokerControl.freeze('broker-a');
    await sleep(5000);
    const isolatedFor = producer.faults!.isolatedFor('broker-a');
    brokerControl.thaw('broker-a');
    const thawedAt = Date.now();
    const sinceThaw = results.length;
    const deadline = thawedAt + 30_000;
    while (Date.now() < deadline && !results.slice(sinceThaw).some((r) => r.queue.brokerName === 'broker-a')) await sleep(200);
    const backAfterMs = Date.now() - thawedAt;
    await stream.stop();
    await producer.shutdown();

    expect(isolatedFor).toBeGreaterThan(500_000); // the 4.x table's 600 s
    expect(backAfterMs).toBeLessThan(30_000);
    expect(results.slice(sinceThaw).some((r) => r.queue.brokerName === 'broker-a')).toBe(true);
    expect(producer.stats().isolationsLifted).toBeGreaterThanOrEqual(1);
    // Only what was in flight to broker-a when it froze failed: its budget ran out there.
    expect(errors.length).toBeLessThanOrEqual(2);
  });
});
