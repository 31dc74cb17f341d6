// Lambda's init phase, against the real brokers: what prepareInInit does before the first event
// (producer started, routes fetched, brokers connected and heartbeated) is what the first
// invocation then does not do; outside Lambda it does nothing, and a bad setting never throws
// from the module's top level.
import type { APIGatewayProxyResult } from 'aws-lambda';
import { describe, expect, inject, it, vi } from 'vitest';
import { publish, warmUp as publishWarmUp } from '../../functions/publish/index.ts';
import { warmUp as bridgeWarmUp } from '../../functions/sqs-bridge/index.ts';
import type { WarmUp } from '../../lib/lambda/index.ts';
import {
  decodeFrame,
  Engine,
  type ProducerImpl,
  prepareInInit,
  RemotingClient,
  rehearseSend,
  resolveOptions,
  UniqIdGenerator,
  withProducer,
} from '../../lib/internal.ts';
import { httpApiEvent, lambdaContext } from '../support/events.ts';
import { markOffsets, queuesOf, readSince } from '../support/queue-reader.ts';
import { queryByUniqueKey } from '../support/read-back.ts';

const stack = inject('stack');
const quiet = { POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'CRITICAL' };
/** A function's variables in Lambda (AWS_LAMBDA_FUNCTION_NAME set: the init phase prepares) against the stack. */
const inLambda = (variables: Record<string, string>) => ({
  ...quiet,
  NAMESRV_ADDR: stack.nameServer,
  ALLOWED_TOPICS: 'TopicTest',
  AWS_LAMBDA_FUNCTION_NAME: 'publish',
  ...variables,
});

/**
 * `gc` as Lambda's Node bootstrap exposes it (--expose-gc), recorded while `work` runs: what each
 * call asked for and how many sends the producer had made by then.
 */
async function collections(engine: Engine, work: () => Promise<void>): Promise<[unknown, number | undefined][]> {
  const calls: [unknown, number | undefined][] = [];
  const global = globalThis as { gc?: unknown };
  const exposed = global.gc;
  global.gc = (options: unknown) => calls.push([options, (engine.producer as ProducerImpl | undefined)?.stats().sends]);
  try {
    await work();
  } finally {
    if (exposed === undefined) delete global.gc;
    else global.gc = exposed;
  }
  return calls;
}

describe('the init phase', () => {
  it('leaves the first invocation nothing to fetch or connect: one send, no route lookup, no new socket', async () => {
    const env = inLambda({ PRODUCER_GROUP: 'init-phase', ALLOWED_TOPICS: 'TopicTest,Orders*' });
    const engine = new Engine({ env });
    try {
      // Without a warm-up nothing is collected: the first event's own compiling allocates far more.
      expect(await collections(engine, () => prepareInInit([], engine, env))).toEqual([]);
      const producer = engine.producer as ProducerImpl;
      const prepared = { lookups: producer.stats().routeLookups, sockets: producer.remoting.addresses().sort() };
      // The send rehearsal of the init phase sends nothing.
      expect([producer.stats().sends, producer.stats().attempts]).toEqual([0, 0]);

      const event = httpApiEvent('POST', '/topics/TopicTest/messages', JSON.stringify({ body: 'first' }), { 'content-type': 'application/json' });
      const response = (await withProducer(publish, engine)(event, lambdaContext())) as APIGatewayProxyResult;

      expect(producer.state).toBe('RUNNING');
      // TopicTest has queues on both brokers: both were connected at init, beside the name server.
      expect(prepared.sockets).toEqual([stack.nameServer, stack.brokers['broker-a'].address, stack.brokers['broker-b'].address].sort());
      expect(response.statusCode).toBe(200);
      expect(producer.stats().routeLookups).toBe(prepared.lookups);
      expect(producer.remoting.addresses().sort()).toEqual(prepared.sockets);
    } finally {
      await engine.close();
    }
  });

  it('rehearses the send path with any options, touching nothing of the producer', () => {
    const variants = [
      { options: {}, expected: { code: 310, serializeType: 1, topic: ['b', 'rehearsal'] } },
      {
        options: { namespace: 'tenant1', serializeType: 'JSON' as const },
        expected: { code: 310, serializeType: 0, topic: ['b', 'tenant1%rehearsal'] },
      },
      {
        options: { sendMessageHeader: 'V1' as const, compressMsgBodyOverHowmuch: 0 },
        expected: { code: 10, serializeType: 1, topic: ['topic', 'rehearsal'] },
      },
    ];
    for (const { options: variant, expected } of variants) {
      const options = resolveOptions({ nameServers: '127.0.0.1:1', producerGroup: 'rehearsal', ...variant });
      const uniqIds = new UniqIdGenerator('10.0.0.1', 1, 1, 7);
      const before = uniqIds.next(0);
      const settings = {
        namespace: options.namespace,
        compressOver: options.compressMsgBodyOverHowmuch,
        compressLevel: 5,
        maxMessageSize: options.maxMessageSize,
        timerMaxDelayMs: options.timerMaxDelayMs,
        uniqIds,
      };

      // The send it would have made, as the broker would read it: the whole path ran.
      const sent = decodeFrame(rehearseSend(options, settings).subarray(4));

      const [field, topic] = expected.topic as [string, string];
      expect([sent.code, sent.serializeType, sent.extFields[field]]).toEqual([expected.code, expected.serializeType, topic]);
      expect(sent.body?.toString()).toBe('rehearsal'); // too short to pay for compression, even over 0 bytes
      expect(uniqIds.next(0)).toBe(`${before.slice(0, -4)}0008`); // the producer's id counter moved by its own send only
    }
  });

  // WARM_UP_TOPIC: one real message in the init phase, through the function's own handler, so the
  // first event finds the handler and the send path compiled (BENCHMARKS.md, cold start).
  for (const [name, warmUp] of [
    ['the publish function', publishWarmUp],
    ['the SQS bridge', bridgeWarmUp],
    ['the producer alone (no handler given)', undefined],
  ] as [string, WarmUp | undefined][]) {
    it(`sends one marked warm-up message through ${name}, publishes no metrics for it, and the first invocation is still the cold start`, async () => {
      const env = inLambda({ PRODUCER_GROUP: 'init-warm-up', WARM_UP_TOPIC: 'TopicTest' });
      const brokers = Object.fromEntries(Object.entries(stack.brokers).map(([broker, b]) => [broker, b.address]));
      const reader = new RemotingClient();
      const engine = new Engine({ env });
      try {
        const queues = queuesOf(brokers, 4);
        const mark = await markOffsets(reader, 'TopicTest', queues);
        const published = vi.spyOn(engine.metrics, 'publishStoredMetrics');
        // After the warm-up send, a minor collection: its garbage goes in the init phase, not in the first event.
        expect(await collections(engine, () => prepareInInit([], engine, env, warmUp))).toEqual([[{ type: 'minor' }, 1]]);
        expect(published).not.toHaveBeenCalled();
        const producer = engine.producer as ProducerImpl;
        expect([producer.stats().sends, producer.stats().failures]).toEqual([1, 0]);

        // The broker dispatches its consume queues shortly after the store: read until it is there.
        const warmUps = async () => (await readSince(reader, 'TopicTest', queues, mark)).filter((m) => m.body.toString() === 'warm-up');
        let sent = await warmUps();
        for (let i = 0; i < 50 && sent.length === 0; i++) sent = await new Promise((r) => setTimeout(r, 200)).then(warmUps);
        expect(sent).toHaveLength(1);
        const stored = await queryByUniqueKey(reader, Object.values(brokers), 'TopicTest', sent[0]!.uniqKey!);
        expect([stored.properties.get('TAGS'), stored.properties.get('warm-up')]).toEqual(['warm-up', 'true']);

        const invocation = await engine.before(lambdaContext());
        await engine.after(invocation);
        expect(invocation.coldStart).toBe(true);
        expect(published).toHaveBeenCalledTimes(1); // the first invocation's, with its ColdStart
      } finally {
        reader.shutdown();
        await engine.close();
      }
    });
  }

  it('costs only the warm-up when the function refuses it: the producer is still prepared, nothing sent', async () => {
    const env = inLambda({ PRODUCER_GROUP: 'init-warm-up', WARM_UP_TOPIC: 'TopicNotAllowed' });
    const engine = new Engine({ env });
    try {
      await prepareInInit([], engine, env, publishWarmUp);
      const producer = engine.producer as ProducerImpl;
      expect(producer.state).toBe('RUNNING');
      expect(producer.remoting.addresses().sort()).toEqual([stack.nameServer, stack.brokers['broker-a'].address, stack.brokers['broker-b'].address].sort());
      expect(producer.stats().sends).toBe(0);
    } finally {
      await engine.close();
    }
  });

  it('does nothing outside Lambda', async () => {
    const env = { ...quiet, NAMESRV_ADDR: stack.nameServer, PRODUCER_GROUP: 'init-phase', ALLOWED_TOPICS: 'TopicTest' };
    const engine = new Engine({ env });

    await prepareInInit(['TopicTest'], engine, env);

    expect(engine.producer).toBeUndefined();
  });

  it('never throws from the top level: a bad setting is left for the first invocation to report', async () => {
    const env = { ...quiet, PRODUCER_GROUP: 'init-phase', AWS_LAMBDA_FUNCTION_NAME: 'publish' };
    const engine = new Engine({ env });

    await expect(prepareInInit(['TopicTest'], engine, env)).resolves.toBeUndefined();
    expect(engine.producer).toBeUndefined();
  });
});
