// Work scopes without Lambda: the producer told where the current scope is (here an
// AsyncLocalStorage, as any host serving concurrent requests could), flushing one scope at a time.
// A scripted broker holds the sends of one topic until released: what a real broker cannot be
// made to do on cue.
import { AsyncLocalStorage } from 'node:async_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { createInternalProducer, WorkScope } from '../../lib/internal.ts';
import { startFakeCluster } from '../support/fake-cluster.ts';
import type { PeerRequest } from '../support/fake-peer.ts';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function holdingProducer(options: { messageTrace?: boolean } = {}) {
  const held: (() => void)[] = [];
  const handler = (request: PeerRequest, reply: (code: number) => void) => {
    if ((request.header.extFields?.b ?? request.header.extFields?.topic) === 'Held') held.push(() => reply(0));
    else reply(0);
  };
  const cluster = await startFakeCluster({ 'broker-a': handler });
  const scopes = new AsyncLocalStorage<WorkScope>();
  const producer = createInternalProducer({ nameServers: [cluster.nameServer], producerGroup: 'scopes', scope: () => scopes.getStore(), ...options });
  await producer.start({ warmTopics: ['Held'] });
  cleanups.push(async () => {
    for (const release of held.splice(0)) release();
    await producer.shutdown();
    await cluster.close();
  });
  const release = () => {
    for (const answer of held.splice(0)) answer();
  };
  return { producer, scopes, held, release };
}

/** Lets every pending callback run: a flush that could return now has returned. */
const drain = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('work scopes', () => {
  it("flushes a scope without waiting for another scope's sends, and counts each scope's own", async () => {
    const { producer, scopes, held, release } = await holdingProducer();
    const [a, b] = [new WorkScope(), new WorkScope()];
    const sendsA = scopes.run(a, () => [1, 2, 3].map((i) => producer.sendAsync({ topic: 'Held', body: `a${i}` })));
    while (held.length < 3) await drain();
    await scopes.run(b, () => producer.sendAsync({ topic: 'Quick', body: 'b' }));

    let aFlushed = false;
    const flushA = producer.flush(Number.POSITIVE_INFINITY, a).then(() => (aFlushed = true));
    await producer.flush(Number.POSITIVE_INFINITY, b);
    await drain();
    const aFlushedBeforeRelease = aFlushed;
    release();
    await Promise.all([flushA, ...sendsA]);

    expect(aFlushedBeforeRelease).toBe(false);
    expect([a.counts.sends, b.counts.sends]).toEqual([3, 1]);
    expect([a.counts.attempts, b.counts.attempts]).toEqual([3, 1]);
  });

  it('gives work started in an ended scope to the next scope that flushes', async () => {
    const { producer, scopes, held, release } = await holdingProducer();
    const [ended, next] = [new WorkScope(), new WorkScope()];
    ended.end();
    const late = scopes.run(ended, () => producer.sendAsync({ topic: 'Held', body: 'late' }));
    while (held.length < 1) await drain();

    let flushed = false;
    const flush = producer.flush(Number.POSITIVE_INFINITY, next).then(() => (flushed = true));
    await drain();
    const flushedBeforeRelease = flushed;
    release();
    await Promise.all([flush, late]);

    expect(flushedBeforeRelease).toBe(false);
    expect(ended.counts.sends).toBe(0);
  });

  it("sends a scope's own trace records at its flush and leaves another's waiting for theirs", async () => {
    const { producer, scopes } = await holdingProducer({ messageTrace: true });
    const [a, b] = [new WorkScope(), new WorkScope()];
    await scopes.run(a, () => producer.send({ topic: 'Quick', body: 'a' }));
    await scopes.run(b, () => producer.send({ topic: 'Quick', body: 'b' }));

    await producer.flush(Number.POSITIVE_INFINITY, b);
    const afterB = producer.stats().trace?.buffered;
    await producer.flush(Number.POSITIVE_INFINITY, a);

    expect(afterB).toBe(1);
    expect([a.counts.traceRecordsSent, b.counts.traceRecordsSent]).toEqual([1, 1]);
    expect(producer.stats().trace?.buffered).toBe(0);
  });
});
