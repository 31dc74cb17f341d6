// The verification consumer of the chaos suite against the real brokers: every message sent
// since a mark is read back from the queues, once, with what was stored.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createProducer, type SendResult } from '../../lib/internal.ts';
import { RemotingClient } from '../../lib/internal.ts';
import { markOffsets, queuesOf, readSince } from '../support/queue-reader.ts';

const stack = inject('stack');
const brokers = Object.fromEntries(Object.entries(stack.brokers).map(([name, b]) => [name, b.address]));
const reader = new RemotingClient();
afterAll(() => reader.shutdown());

describe('queue reader', () => {
  it('reads back exactly the 300 uniquely keyed messages sent since the mark, each once, as stored', async () => {
    const queues = queuesOf(brokers, 4);
    const prefix = `reader-${process.pid}-${Date.now()}`;
    const producer = createProducer({ nameServers: [stack.nameServer], producerGroup: 'queue-reader-test' });
    await producer.start();
    const mark = await markOffsets(reader, 'TopicTest', queues);

    const results = new Map<string, SendResult>();
    for (let i = 0; i < 100; i++) {
      const key = `${prefix}-${i}`;
      results.set(key, await producer.send({ topic: 'TopicTest', body: `body ${key}`, keys: [key, 'extra'] }));
    }
    for (let b = 0; b < 20; b++) {
      const keys = Array.from({ length: 10 }, (_, i) => `${prefix}-${100 + b * 10 + i}`);
      const batch = await producer.sendBatch(keys.map((key) => ({ topic: 'TopicTest', body: `body ${key}`, keys: [key] })));
      for (const [i, key] of keys.entries()) results.set(key, batch[i]!);
    }
    await producer.shutdown();
    const read = (await readSince(reader, 'TopicTest', queues, mark)).filter((m) => m.keys.some((k) => k.startsWith(`${prefix}-`)));

    const byKey = new Map(read.map((m) => [m.keys.find((k) => k.startsWith(`${prefix}-`))!, m]));
    expect(read).toHaveLength(300);
    expect(byKey.size).toBe(300);
    for (const [key, result] of results) {
      const m = byKey.get(key)!;
      expect([m.uniqKey, m.body.toString(), m.topic, m.brokerName, m.queueId, m.queueOffset]).toEqual([
        result.msgId,
        `body ${key}`,
        'TopicTest',
        result.queue.brokerName,
        result.queue.queueId,
        result.queueOffset,
      ]);
    }
    expect(byKey.get(`${prefix}-0`)!.keys).toEqual([`${prefix}-0`, 'extra']);
    // 120 sequential sends and a read of every queue since the mark, beside the other test files
    // writing to the same topic: seconds alone, past the default 30 s on a loaded 2-core machine.
  }, 90_000);
});
