// Bad input: a typed error with a stable code and the field at fault, and nothing sent. The name
// server is an address nothing listens on: a check that let a message through would fail there
// with a connection error, not with the code and field expected here.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createInternalProducer, RocketMQError, type Message } from '../../lib/internal.ts';

const NOWHERE = '127.0.0.1:1';
const producer = createInternalProducer({ nameServers: [NOWHERE], producerGroup: 'validation-test' });
await producer.start();
afterAll(() => producer.shutdown());

async function refusal(message: unknown) {
  return producer.send(message as Message).then(
    () => undefined,
    (err: RocketMQError) => err,
  );
}

describe('message validation before any I/O', () => {
  const cases: [string, unknown, string, number][] = [
    ['a blank topic', { topic: ' ', body: 'x' }, 'topic', 19004],
    ['a topic with a space', { topic: 'a b', body: 'x' }, 'topic', 19004],
    ['a topic of 128 characters', { topic: 'T'.repeat(128), body: 'x' }, 'topic', 19004],
    ['the default topic', { topic: 'TBW102', body: 'x' }, 'topic', 19004],
    ['a forbidden system topic', { topic: 'SCHEDULE_TOPIC_XXXX', body: 'x' }, 'topic', 19004],
    ['an empty body', { topic: 'TopicTest', body: '' }, 'body', 19004],
    ['a missing body', { topic: 'TopicTest' }, 'body', 19004],
    ['an incompressible body over maxMessageSize', { topic: 'TopicTest', body: randomBytes(4 * 1024 * 1024 + 1) }, 'body', 13],
    ['properties over the broker limit', { topic: 'TopicTest', body: 'x', properties: { big: 'v'.repeat(32_300) } }, 'properties', 19004],
    [
      'keys over the broker limit',
      { topic: 'TopicTest', body: 'x', keys: Array.from({ length: 4000 }, (_, i) => `key-${i}`), properties: { a: 'b' } },
      'keys',
      19004,
    ],
    ['a tag with a lone surrogate', { topic: 'TopicTest', body: 'x', tags: 'a\ud800' }, 'tags', 19004],
    ['a string body with a lone surrogate', { topic: 'TopicTest', body: 'x\udc00y' }, 'body', 19004],
    ["a deliverAt past the brokers' 3-day timer limit", { topic: 'TopicTest', body: 'x', deliverAt: Date.now() + 259_200_000 + 60_000 }, 'deliverAt', 19004],
    ['a tag smuggling a property', { topic: 'TopicTest', body: 'x', tags: 'A\u0002DELAY\u00013' }, 'tags', 19004],
    ['a key with a separator', { topic: 'TopicTest', body: 'x', keys: ['ok', 'k\u0001v'] }, 'keys[1]', 19004],
    ['a property value with a separator', { topic: 'TopicTest', body: 'x', properties: { a: 'b\u0002TAGS\u0001x' } }, 'properties.a', 19004],
    ['a reserved property name', { topic: 'TopicTest', body: 'x', properties: { DELAY: '3' } }, 'properties.DELAY', 19004],
    ['delay level 19', { topic: 'TopicTest', body: 'x', delayLevel: 19 }, 'delayLevel', 19004],
    ['a delay of 0 seconds', { topic: 'TopicTest', body: 'x', delaySeconds: 0 }, 'delaySeconds', 19004],
    ['a delay of 1.5 seconds', { topic: 'TopicTest', body: 'x', delaySeconds: 1.5 }, 'delaySeconds', 19004],
    ["a delay in seconds past the brokers' 3-day timer limit", { topic: 'TopicTest', body: 'x', delaySeconds: 259_201 }, 'delaySeconds', 19004],
    ['a negative delay in ms', { topic: 'TopicTest', body: 'x', delayMs: -5 }, 'delayMs', 19004],
    ['a delay in ms given as text', { topic: 'TopicTest', body: 'x', delayMs: '100' }, 'delayMs', 19004],
    ["a delay in ms past the brokers' 3-day timer limit", { topic: 'TopicTest', body: 'x', delayMs: 259_200_001 }, 'delayMs', 19004],
    ['two ways of delaying (the broker would keep one silently)', { topic: 'TopicTest', body: 'x', delayLevel: 2, delayMs: 500 }, 'delayMs', 19004],
    ['deliverAt with delaySeconds', { topic: 'TopicTest', body: 'x', deliverAt: Date.now() + 5000, delaySeconds: 5 }, 'delaySeconds', 19004],
    ['a negative priority', { topic: 'TopicTest', body: 'x', priority: -1 }, 'priority', 19004],
    ['a fractional priority', { topic: 'TopicTest', body: 'x', priority: 2.5 }, 'priority', 19004],
    ['a priority on a delayed message (the broker drops it)', { topic: 'TopicTest', body: 'x', priority: 1, delaySeconds: 5 }, 'priority', 19004],
    ['a priority on an ordered message (the broker drops it)', { topic: 'TopicTest', body: 'x', priority: 1, shardingKey: 'k' }, 'priority', 19004],
    ['an id that is not a UNIQ_KEY', { topic: 'TopicTest', body: 'x', id: 'order-42' }, 'id', 19004],
    ['an id in lower-case hex', { topic: 'TopicTest', body: 'x', id: 'c0000202045d5edf9dfc220218d489b4' }, 'id', 19004],
    ['an empty lite topic', { topic: 'TopicTest', body: 'x', liteTopic: '' }, 'liteTopic', 19004],
    ['a lite topic with a "$" (it stops the broker\'s dispatch)', { topic: 'TopicTest', body: 'x', liteTopic: 'a$b' }, 'liteTopic', 19004],
    ['a lite topic with a "," (the broker splits on it)', { topic: 'TopicTest', body: 'x', liteTopic: 'a,b' }, 'liteTopic', 19004],
    ['a lite topic of 65 characters', { topic: 'TopicTest', body: 'x', liteTopic: 'l'.repeat(65) }, 'liteTopic', 19004],
    ['a misspelled message field', { topic: 'TopicTest', body: 'x', tag: 'A' }, 'tag', 19004],
  ];

  for (const [what, message, field, code] of cases) {
    it(`refuses ${what} with code ${code} naming ${field}`, async () => {
      const error = await refusal(message);

      expect(error).toBeInstanceOf(RocketMQError);
      expect(error?.code).toBe(code);
      expect(error?.retriable).toBe(false);
      expect(error?.context.field).toBe(field);
    });
  }

  it('opened no connection for any refused message', () => {
    expect(producer.remoting.addresses()).toEqual([]);
    expect(producer.stats().attempts).toBe(0);
  });
});

describe('batch rules', () => {
  const cases: [string, unknown[], string][] = [
    ['an empty batch', [], 'messages'],
    [
      'two topics',
      [
        { topic: 'TopicBatch', body: 'a' },
        { topic: 'TopicTest', body: 'b' },
      ],
      'messages[1].topic',
    ],
    [
      'mixed waitStoreMsgOK',
      [
        { topic: 'TopicBatch', body: 'a' },
        { topic: 'TopicBatch', body: 'b', waitStoreMsgOK: false },
      ],
      'messages[1].waitStoreMsgOK',
    ],
    ['a delayed message', [{ topic: 'TopicBatch', body: 'a', delayLevel: 2 }], 'messages[0].delayLevel'],
    ['a timer message', [{ topic: 'TopicBatch', body: 'a', deliverAt: Date.now() + 60_000 }], 'messages[0].deliverAt'],
    [
      'a message delayed in seconds',
      [
        { topic: 'TopicBatch', body: 'a' },
        { topic: 'TopicBatch', body: 'b', delaySeconds: 5 },
      ],
      'messages[1].delaySeconds',
    ],
    ['a priority message', [{ topic: 'TopicBatch', body: 'a', priority: 1 }], 'messages[0].priority'],
    ['a lite topic message', [{ topic: 'TopicBatch', body: 'a', liteTopic: 'l1' }], 'messages[0].liteTopic'],
    [
      'two sharding keys',
      [
        { topic: 'TopicBatch', body: 'a', shardingKey: 'k1' },
        { topic: 'TopicBatch', body: 'b', shardingKey: 'k2' },
      ],
      'messages[1].shardingKey',
    ],
    [
      'a bad second message',
      [
        { topic: 'TopicBatch', body: 'a' },
        { topic: 'TopicBatch', body: '' },
      ],
      'messages[1].body',
    ],
    ['a message that is not an object', [{ topic: 'TopicBatch', body: 'a' }, null], 'messages[1]'],
    [
      'properties over the broker limit',
      [
        { topic: 'TopicBatch', body: 'a' },
        { topic: 'TopicBatch', body: 'b', properties: { big: 'v'.repeat(32_300) } },
      ],
      'messages[1].properties',
    ],
    ['a retry topic', [{ topic: '%RETRY%g', body: 'a' }], 'messages[0].topic'],
  ];
  for (const [what, messages, field] of cases) {
    it(`refuses ${what} naming ${field}, sending nothing`, async () => {
      const error = await producer.sendBatch(messages as Message[]).catch((e: RocketMQError) => e);

      expect((error as RocketMQError).codeName).toBe('INVALID_ARGUMENT');
      expect((error as RocketMQError).context.field).toBe(field);
      expect(producer.stats().attempts).toBe(0);
    });
  }
});

describe('limits known before sending', () => {
  it('refuses a batch message whose encoded entry passes maxMessageSize though its body does not', async () => {
    const p = createInternalProducer({ nameServers: [NOWHERE], producerGroup: 'validation-entry', maxMessageSize: 1024 });
    await p.start();
    try {
      const error = await p.sendBatch([{ topic: 'TopicBatch', body: 'b'.repeat(1000), properties: { note: 'n'.repeat(100) } }]).catch((e: RocketMQError) => e);

      expect([(error as RocketMQError).codeName, (error as RocketMQError).context.field]).toEqual(['MESSAGE_ILLEGAL', 'messages[0].body']);
      expect(p.stats().attempts).toBe(0);
    } finally {
      await p.shutdown();
    }
  });

  it('refuses a deliverAt past a timerMaxDelayMs the cluster was configured with', async () => {
    const p = createInternalProducer({ nameServers: [NOWHERE], producerGroup: 'validation-timer', timerMaxDelayMs: 60_000 });
    await p.start();
    try {
      const error = await p.send({ topic: 'TopicTest', body: 'x', deliverAt: Date.now() + 120_000 }).catch((e: RocketMQError) => e);

      expect((error as RocketMQError).context.field).toBe('deliverAt');
      expect(p.stats().attempts).toBe(0);
    } finally {
      await p.shutdown();
    }
  });

  it('refuses timerMaxDelayMs that is not a positive integer', () => {
    expect(() => createInternalProducer({ nameServers: 'a:1', producerGroup: 'g', timerMaxDelayMs: 0 })).toThrow(/timerMaxDelayMs/);
  });
});

describe('producer options', () => {
  it('refuses a header format other than ROCKETMQ or JSON', () => {
    expect(() => createInternalProducer({ nameServers: 'a:1', producerGroup: 'g', serializeType: 'json' as never })).toThrow(
      /serializeType: must be "ROCKETMQ" or "JSON"/,
    );
  });

  it('refuses a misspelled option', () => {
    expect(() => createInternalProducer({ nameServers: 'a:1', producerGroup: 'g', sendMsgTimout: 10 } as never)).toThrow(
      /sendMsgTimout: is not a producer option/,
    );
  });

  it('refuses a missing name server list and the DEFAULT_PRODUCER group', () => {
    expect(() => createInternalProducer({ nameServers: '', producerGroup: 'g' })).toThrow(/nameServers/);
    expect(() => createInternalProducer({ nameServers: 'a:1', producerGroup: 'DEFAULT_PRODUCER' })).toThrow(/producerGroup/);
  });

  it('refuses sends before start and after shutdown', async () => {
    const p = createInternalProducer({ nameServers: 'a:1', producerGroup: 'g' });
    const before = await p.send({ topic: 'T', body: 'x' }).catch((e: RocketMQError) => e);
    await p.start();
    await p.shutdown();
    const after = await p.send({ topic: 'T', body: 'x' }).catch((e: RocketMQError) => e);

    expect((before as RocketMQError).codeName).toBe('NOT_STARTED');
    expect((after as RocketMQError).codeName).toBe('CLIENT_CLOSED');
    expect(p.state).toBe('SHUTDOWN_ALREADY');
  });
});

describe('a transactional message refuses what the broker would drop from it', () => {
  for (const [field, extra] of [
    ['delaySeconds', { delaySeconds: 5 }],
    ['delayMs', { delayMs: 500 }],
    ['priority', { priority: 1 }],
    ['liteTopic', { liteTopic: 'l1' }],
  ] as const) {
    it(`refuses ${field} on a half message, naming it`, async () => {
      const error = await producer.sendHalf({ topic: 'TopicTest', body: 'x', ...extra }).catch((e: RocketMQError) => e);

      expect(error).toBeInstanceOf(RocketMQError);
      expect([(error as RocketMQError).code, (error as RocketMQError).context.field]).toEqual([19004, field]);
    });
  }
});

describe('an async send left alone', () => {
  it('is no unhandled rejection when it is refused or fails: flush() settles it, the caller need not look', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      void producer.sendAsync({ topic: ' ', body: 'x' }); // refused before any I/O
      void producer.sendAsync({ topic: 'TopicTest', body: 'x' }, { timeoutMs: 500 }); // fails: no name server listens
      await producer.flush();
      expect(producer.stats().pending).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', listener);
    }
  });
});
