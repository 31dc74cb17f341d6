// Send-path decisions that need a broker to answer with an exact latency or a chosen code on cue,
// which the real brokers cannot be made to do: each test scripts a fake name server and brokers.
import { afterEach, describe, expect, it } from 'vitest';
import { createInternalProducer, type ProducerImpl, type ProducerOptions } from '../../lib/internal.ts';
import type { SendError } from '../../lib/internal.ts';
import { startFakeCluster, type FakeCluster, type SendHandler } from '../support/fake-cluster.ts';
import { respond } from '../support/fake-peer.ts';

let cluster: FakeCluster | undefined;
let producer: ProducerImpl | undefined;

afterEach(async () => {
  await producer?.shutdown();
  await cluster?.close();
  producer = undefined;
  cluster = undefined;
});

async function setup(handlers: Record<string, SendHandler>, options: Partial<ProducerOptions> = {}): Promise<ProducerImpl> {
  cluster = await startFakeCluster(handlers);
  producer = createInternalProducer({ nameServers: [cluster.nameServer], producerGroup: 'fake-test', ...options });
  await producer.start();
  return producer;
}

const ok: SendHandler = (_, reply) => reply(0);
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: SendError) => e,
  );

describe('send path against scripted brokers', () => {
  it('isolates a broker for 30 s after a 600 ms reply under the default (4.x) tables', async () => {
    const p = await setup({ 'fake-a': (_, reply) => reply(0, 600), 'fake-b': ok });

    const result = await p.send({ topic: 'T', body: 'x' }, { queue: { topic: 'T', brokerName: 'fake-a', queueId: 0 } });

    expect(result.status).toBe('SEND_OK');
    const isolatedFor = p.faults!.isolatedFor('fake-a');
    expect(isolatedFor).toBeGreaterThan(28_000);
    expect(isolatedFor).toBeLessThanOrEqual(30_000);
    expect(p.faults!.isAvailable('fake-b')).toBe(true);
  });

  it('sends the next messages to the other broker while one is isolated', async () => {
    const p = await setup({ 'fake-a': (_, reply) => reply(0, 600), 'fake-b': ok });
    await p.send({ topic: 'T', body: 'x' }, { queue: { topic: 'T', brokerName: 'fake-a', queueId: 0 } });

    const results = await Promise.all(Array.from({ length: 6 }, () => p.send({ topic: 'T', body: 'y' })));

    expect(results.map((r) => r.queue.brokerName)).toEqual(Array(6).fill('fake-b'));
  });

  it('retries SYSTEM_BUSY on the other broker', async () => {
    let first = true;
    const busyOnce: SendHandler = (_, reply) => {
      reply(first ? 2 : 0);
      first = false;
    };
    const p = await setup({ 'fake-a': busyOnce, 'fake-b': busyOnce });

    const result = await p.send({ topic: 'T', body: 'x' });

    const sentTo = Object.entries(cluster!.brokers)
      .filter(([, b]) => b.sends.length > 0)
      .map(([n]) => n);
    expect(sentTo.sort()).toEqual(['fake-a', 'fake-b']);
    const busyBroker = Object.entries(cluster!.brokers).find(([n]) => n !== result.queue.brokerName)![0];
    expect(result.queue.brokerName).not.toBe(busyBroker);
    expect(p.stats().retries).toBe(1);
  });

  it('isolates a broker that says it is unwell (SYSTEM_BUSY), not one that refuses the request (NO_PERMISSION, TOPIC_NOT_EXIST)', async () => {
    const outcomes: Record<number, boolean> = {};
    for (const code of [2, 16, 17]) {
      const p = await setup({ 'fake-a': (_, reply) => reply(code), 'fake-b': ok });

      const result = await p.send({ topic: 'T', body: 'x' }, { queue: { topic: 'T', brokerName: 'fake-a', queueId: 0 } }).catch(() => undefined);
      outcomes[code] = !p.faults!.isAvailable('fake-a');

      expect(result).toBeUndefined(); // a chosen queue retries on fake-a, which keeps refusing
      expect(cluster!.brokers['fake-a']!.sends.length).toBe(3); // retried: all three codes are retriable
      await producer!.shutdown();
      await cluster!.close();
      producer = undefined;
      cluster = undefined;
    }

    expect(outcomes).toEqual({ 2: true, 16: false, 17: false });
  });

  it('turns an ACL refusal of any version into ACCESS_DENIED: one attempt, no isolation', async () => {
    const refusals: [number, string][] = [
      [
        1,
        'org.apache.rocketmq.acl.common.AclException: Check signature failed for accessKey=producerAK, org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:683)',
      ],
      [16, 'check signature failed.'],
      [16, 'User:ghost is not found.'],
      [16, 'User:app1 has no permission to access Topic:T from 127.0.0.1, no matched policies.'],
      [1, 'username cannot be null.'],
    ];
    for (const [code, remark] of refusals) {
      const refuse: SendHandler = (request) => respond(request.socket, request.header.opaque, code, { remark });
      const p = await setup({ 'fake-a': refuse, 'fake-b': refuse });

      const error = await failure(p.send({ topic: 'T', body: 'x' }));

      expect([error?.codeName, error?.attempts, error?.context.responseCode]).toEqual(['ACCESS_DENIED', 1, code]);
      expect(p.faults!.isAvailable('fake-a') && p.faults!.isAvailable('fake-b')).toBe(true);
      await producer!.shutdown();
      await cluster!.close();
      producer = undefined;
      cluster = undefined;
    }
  });

  it('keeps SYSTEM_ERROR without an ACL remark what it is: retried and isolating', async () => {
    const p = await setup({ 'fake-a': (_, reply) => reply(1), 'fake-b': (_, reply) => reply(1) });

    const error = await failure(p.send({ topic: 'T', body: 'x' }));

    expect([error?.codeName, error?.attempts]).toEqual(['SYSTEM_ERROR', 3]);
  });

  it('throws an unknown broker code at once, after one attempt, with that code', async () => {
    const p = await setup({ 'fake-a': (_, reply) => reply(9999), 'fake-b': (_, reply) => reply(9999) });

    const error = await failure(p.send({ topic: 'T', body: 'x' }));

    expect(error?.name).toBe('SendError');
    expect(error?.code).toBe(9999);
    expect(error?.attempts).toBe(1);
    expect(error?.message).toMatch(/^Send \[1\] times, still failed, cost \[\d+\]ms, Topic: T, BrokersSent: \[fake-[ab]\]/);
  });

  it('fails with the call-timeout outcome when a slow first attempt uses up the budget', async () => {
    const p = await setup({ 'fake-a': (_, reply) => reply(0, 800), 'fake-b': (_, reply) => reply(0, 800) }, { sendMsgTimeout: 500 });

    const error = await failure(p.send({ topic: 'T', body: 'x' }));

    expect(error?.timedOut).toBe(true);
    expect(error?.code).toBe(10002);
    expect(error?.attempts).toBe(1);
  });

  it('resends FLUSH_DISK_TIMEOUT to another broker with retryAnotherBrokerWhenNotStoreOK', async () => {
    let first = true;
    const flushSlowOnce: SendHandler = (_, reply) => {
      reply(first ? 10 : 0);
      first = false;
    };
    const p = await setup({ 'fake-a': flushSlowOnce, 'fake-b': flushSlowOnce }, { retryAnotherBrokerWhenNotStoreOK: true });

    const result = await p.send({ topic: 'T', body: 'x' });

    expect(result.status).toBe('SEND_OK');
    expect(cluster!.brokers['fake-a']!.sends.length + cluster!.brokers['fake-b']!.sends.length).toBe(2);
  });

  it('returns FLUSH_DISK_TIMEOUT as a stored status without that option', async () => {
    const p = await setup({ 'fake-a': (_, reply) => reply(10), 'fake-b': (_, reply) => reply(10) });

    const result = await p.send({ topic: 'T', body: 'x' });

    expect(result.status).toBe('FLUSH_DISK_TIMEOUT');
    expect(p.stats().attempts).toBe(1);
  });

  it('retries an async send on another broker when the connection drops', async () => {
    const drop: SendHandler = (request) => request.socket.destroy();
    let firstDropped = false;
    const handler: SendHandler = (request, reply) => {
      if (!firstDropped) {
        firstDropped = true;
        drop(request, reply);
      } else reply(0);
    };
    const p = await setup({ 'fake-a': handler, 'fake-b': handler });

    const result = await p.sendAsync({ topic: 'T', body: 'x' });
    await p.flush();

    expect(result.status).toBe('SEND_OK');
    expect(p.stats().retries).toBe(1);
  });

  it('does not retry an async send on a broker error code', async () => {
    const p = await setup({ 'fake-a': (_, reply) => reply(2), 'fake-b': (_, reply) => reply(2) });

    const error = await failure(p.sendAsync({ topic: 'T', body: 'x' }));

    expect(error?.code).toBe(2);
    expect(p.stats().attempts).toBe(1);
  });

  it('keeps an ordered send on its queue across retries', async () => {
    let calls = 0;
    const failTwice: SendHandler = (_, reply) => reply(calls++ < 2 ? 1 : 0);
    const p = await setup({ 'fake-a': failTwice, 'fake-b': failTwice });

    const result = await p.send({ topic: 'T', body: 'x', shardingKey: 'polygenelubricants' });

    const hit = Object.values(cluster!.brokers).flatMap((b) => b.sends.map((s) => `${s.header.extFields?.n}/${s.header.extFields?.e}`));
    expect(new Set(hit).size).toBe(1);
    expect(hit.length).toBe(3);
    expect(`${result.queue.brokerName}/${result.queue.queueId}`).toBe(hit[0]);
  });

  it('sends oneway once, even when the broker never answers', async () => {
    const p = await setup({ 'fake-a': () => undefined, 'fake-b': () => undefined });

    await p.sendOneway({ topic: 'T', body: 'x' });
    await new Promise((r) => setTimeout(r, 100));

    const sends = Object.values(cluster!.brokers).flatMap((b) => b.sends);
    expect(sends.length).toBe(1);
    expect(sends[0]!.header.flag & 2).toBe(2);
  });

  it('calls hooks before and after each attempt, also on failure, and lets a check-forbidden hook stop a send', async () => {
    const events: string[] = [];
    const p = await setup(
      { 'fake-a': (_, reply) => reply(13), 'fake-b': (_, reply) => reply(13) },
      {
        sendMessageHooks: [{ name: 'trace', before: (c) => events.push(`before ${c.mode}`), after: (c) => events.push(c.error ? `after error` : 'after ok') }],
        checkForbiddenHooks: [
          (c) => {
            if (c.message.tags === 'forbidden') throw new Error('forbidden by policy');
          },
        ],
      },
    );

    await failure(p.send({ topic: 'T', body: 'x' }));
    const forbidden = await failure(p.send({ topic: 'T', body: 'x', tags: 'forbidden' }));

    expect(events).toEqual(['before sync', 'after error']);
    expect(forbidden?.message).toContain('forbidden by policy');
    expect(Object.values(cluster!.brokers).flatMap((b) => b.sends).length).toBe(1);
  });
});
