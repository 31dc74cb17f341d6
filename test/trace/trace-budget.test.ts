// Message trace must never cost a send: a trace message the broker never answers (something a real
// broker cannot be made to do on demand, hence the scripted fake broker) fails alone, counted, and
// flush still returns by its deadline. Plus the rules that need no broker: how records are cut
// into trace messages, when they go out early, and every bad setting refused with its name.
import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../../lib/lambda/index.ts';
import { createInternalProducer, type ProducerImpl, RocketMQError } from '../../lib/internal.ts';
import { type PubRecord, traceMessages } from '../../lib/trace/trace-data.ts';
import { MessageTracer } from '../../lib/trace/tracer.ts';
import { type FakeCluster, startFakeCluster } from '../support/fake-cluster.ts';
import type { PeerRequest } from '../support/fake-peer.ts';

const topicOf = (request: PeerRequest) => request.header.extFields?.b ?? request.header.extFields?.topic;

/** A fake broker-a that stores every send but never answers one to the trace topic. */
async function withTraceBlackHole(messageTrace: { timeoutMs: number }, test: (producer: ProducerImpl, cluster: FakeCluster) => Promise<void>): Promise<void> {
  const cluster = await startFakeCluster({
    'broker-a': (request, reply) => {
      if (topicOf(request) !== 'RMQ_SYS_TRACE_TOPIC') reply(0);
    },
  });
  const producer = createInternalProducer({ nameServers: [cluster.nameServer], producerGroup: 'trace-budget', messageTrace, logger: () => undefined });
  try {
    await producer.start();
    await test(producer, cluster);
  } finally {
    await producer.shutdown();
    await cluster.close();
  }
}

describe('a trace the broker never answers', () => {
  it('fails alone: the send is confirmed, flush returns at its deadline, no broker is isolated, no send failure counted', () =>
    withTraceBlackHole({ timeoutMs: 60_000 }, async (producer, cluster) => {
      const result = await producer.send({ topic: 'T', body: 'x', tags: 'a' });
      const started = Date.now();
      await producer.flush(started + 300);
      const took = Date.now() - started;

      expect(result.status).toBe('SEND_OK');
      // The trace's own budget (60 s) was cut to the flush deadline.
      expect(took).toBeLessThan(10_000);
      expect(cluster.brokers['broker-a']!.sends.map(topicOf)).toEqual(['T', 'RMQ_SYS_TRACE_TOPIC']);
      expect(producer.stats()).toMatchObject({ failures: 0, pending: 0, trace: { recordsSent: 0, recordsFailed: 1, buffered: 0 } });
      expect(producer.faults!.isAvailable('broker-a')).toBe(true);
    }));

  it('gives up after its own budget when flush has no deadline', () =>
    withTraceBlackHole({ timeoutMs: 200 }, async (producer) => {
      await producer.send({ topic: 'T', body: 'x' });
      await producer.flush();

      expect(producer.stats().trace).toMatchObject({ recordsFailed: 1 });
    }));
});

describe('trace records waiting past flushAfterMs', () => {
  it('go out beside the next send, before any flush', async () => {
    const cluster = await startFakeCluster({ 'broker-a': (_request, reply) => reply(0) });
    const producer = createInternalProducer({ nameServers: [cluster.nameServer], producerGroup: 'trace-early', messageTrace: true, logger: () => undefined });
    try {
      await producer.start();
      producer.tracer!.settings.flushAfterMs = 0; // what 5 s of waiting does, without the wait

      await producer.send({ topic: 'T', body: 'x' });
      await producer.send({ topic: 'T', body: 'y' });
      const sends = cluster.brokers['broker-a']!.sends;
      for (let i = 0; i < 50 && sends.filter((s) => topicOf(s) === 'RMQ_SYS_TRACE_TOPIC').length < 2; i++) await new Promise((r) => setTimeout(r, 20));

      expect(sends.map(topicOf).sort()).toEqual(['RMQ_SYS_TRACE_TOPIC', 'RMQ_SYS_TRACE_TOPIC', 'T', 'T']);
    } finally {
      await producer.shutdown();
      await cluster.close();
    }
  });
});

const record = (i: number, topic = 'T', keys?: string): PubRecord => ({
  type: 'Pub',
  timestamp: 1,
  regionId: 'DefaultRegion',
  group: 'g',
  topic,
  msgId: `ID${String(i).padStart(30, '0')}`,
  offsetMsgId: 'O',
  tags: undefined,
  keys,
  storeHost: '127.0.0.1:1',
  bodyLength: 1,
  costMs: 1,
  messageType: 0,
  success: true,
});

describe('trace messages', () => {
  it('hold one topic each, at most the byte limit of records and the key limit of keys, every record once', () => {
    const records = [...Array.from({ length: 50 }, (_, i) => record(i, 'A', `k${i}`)), ...Array.from({ length: 5 }, (_, i) => record(100 + i, 'B'))];

    const bySize = traceMessages(records, 1000, 1_000_000);
    const byKeys = traceMessages(records, 1_000_000, 200);

    for (const messages of [bySize, byKeys]) {
      expect(messages.reduce((n, m) => n + m.records, 0)).toBe(55);
      const ids = messages.flatMap((m) =>
        m.body
          .split('\u0002')
          .filter(Boolean)
          .map((r) => r.split('\u0001')[5]),
      );
      expect(new Set(ids).size).toBe(55);
      for (const m of messages)
        expect(
          new Set(
            m.body
              .split('\u0002')
              .filter(Boolean)
              .map((r) => r.split('\u0001')[4]),
          ).size,
        ).toBe(1);
    }
    for (const m of bySize) expect(Buffer.byteLength(m.body)).toBeLessThanOrEqual(1000);
    for (const m of byKeys) expect(m.keys.join(' ').length).toBeLessThanOrEqual(200);
    expect(bySize.length).toBeGreaterThan(2);
    expect(byKeys.length).toBeGreaterThan(2);
  });

  it('go out beside a send once the oldest record has waited flushAfterMs, and beyond maxBuffered new records are dropped and counted', async () => {
    const tracer = new MessageTracer({ topic: 'RMQ_SYS_TRACE_TOPIC', group: 'g', timeoutMs: 100, maxBuffered: 2, flushAfterMs: 50 }, () => undefined);
    const result = {
      status: 'SEND_OK',
      msgId: 'M',
      offsetMsgId: 'O',
      queue: { topic: 'T', brokerName: 'b', queueId: 0 },
      queueOffset: 0,
      regionId: 'R',
      traceOn: true,
    } as const;
    const send = { topic: 'T', wireTopic: 'T', body: Buffer.from('x'), msgId: 'M', properties: new Map<string, string>() };

    tracer.sent(send, 'h:1', Date.now(), result);
    const dueAtOnce = tracer.due;
    await new Promise((r) => setTimeout(r, 80));
    tracer.sent(send, 'h:1', Date.now(), result);
    tracer.sent(send, 'h:1', Date.now(), result);
    tracer.sent({ ...send, wireTopic: 'RMQ_SYS_TRACE_TOPIC' }, 'h:1', Date.now(), result);
    tracer.sent(send, 'h:1', Date.now(), { ...result, traceOn: false });

    expect(dueAtOnce).toBe(false);
    expect(tracer.due).toBe(true);
    // Neither a trace of the trace topic nor a send the broker says not to trace is recorded.
    expect([tracer.buffered, tracer.counters.recordsDropped]).toEqual([2, 1]);
  });
});

describe('message trace settings', () => {
  const base = { nameServers: ['127.0.0.1:1'], producerGroup: 'g' };

  it.each([
    [{ topic: 'bad topic' }, 'options.messageTrace.topic'],
    [{ topic: '' }, 'options.messageTrace.topic'],
    [{ timeoutMs: 0 }, 'options.messageTrace.timeoutMs'],
    [{ colour: 'red' }, 'options.messageTrace.colour'],
    ['yes', 'options.messageTrace'],
  ])('refuses %j, naming %s', (messageTrace, field) => {
    const error = (() => {
      try {
        createInternalProducer({ ...base, messageTrace: messageTrace as never });
      } catch (e) {
        return e;
      }
    })() as RocketMQError;

    expect(error).toBeInstanceOf(RocketMQError);
    expect(error.codeName).toBe('INVALID_ARGUMENT');
    expect(error.context.field).toBe(field);
  });

  const env = { NAMESRV_ADDR: '127.0.0.1:1', PRODUCER_GROUP: 'g' };

  it.each([
    [{ MESSAGE_TRACE: 'yes' }, 'MESSAGE_TRACE'],
    [{ MESSAGE_TRACE: 'off', MESSAGE_TRACE_TOPIC: 'Traces' }, 'MESSAGE_TRACE_TOPIC'],
    [{ MESSAGE_TRACE_TOPIC: 'no spaces' }, 'MESSAGE_TRACE_TOPIC'],
  ])('stops the container on %j, naming %s', (vars, variable) => {
    expect(() => readConfig({ ...env, ...vars })).toThrow(ConfigError);
    expect(() => readConfig({ ...env, ...vars })).toThrow(new RegExp(`^${variable}:`));
  });

  it('is off unless asked for; a trace topic alone turns it on', () => {
    expect(readConfig(env).messageTrace).toBeUndefined();
    expect(readConfig({ ...env, MESSAGE_TRACE: 'on' }).messageTrace).toEqual({ topic: 'RMQ_SYS_TRACE_TOPIC' });
    expect(readConfig({ ...env, MESSAGE_TRACE_TOPIC: 'Traces' }).messageTrace).toEqual({ topic: 'Traces' });
  });
});
