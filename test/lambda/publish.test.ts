// The HTTP publish function invoked with real API Gateway event shapes, against the real brokers
// and DynamoDB Local.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { ensureLocalTable, localAwsEnv } from '../../infra/local/dynamodb.ts';
import { RemotingClient } from '../../lib/internal.ts';
import { sharedEngine } from '../../lib/internal.ts';
import { viewByOffsetId } from '../support/read-back.ts';
import { httpApiEvent, lambdaContext, restApiEvent } from '../support/events.ts';

const stack = inject('stack');
const endpoint = inject('dynamodbEndpoint');
const table = `publish-${process.pid}`;
Object.assign(process.env, {
  NAMESRV_ADDR: stack.nameServer,
  PRODUCER_GROUP: 'publish-fn',
  ALLOWED_TOPICS: 'TopicTest,TopicBatch,LocalCluster,broker-*',
  STATE_TABLE: table,
  ...localAwsEnv(endpoint),
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
});
const { handler } = await import('../../functions/publish/index.ts');
const reader = new RemotingClient();
const invoke = async (event: Parameters<typeof handler>[0]) => {
  const response = (await handler(event, lambdaContext())) as APIGatewayProxyResult;
  return { status: response.statusCode, body: JSON.parse(response.body), headers: response.headers ?? {} };
};
const jsonPost = (path: string, payload: string, contentType = 'application/json') =>
  invoke(httpApiEvent('POST', path, payload, { 'content-type': contentType }));
const attempts = () => sharedEngine().producer?.stats().attempts ?? 0;

beforeAll(() => ensureLocalTable(endpoint, table));
afterAll(async () => {
  await sharedEngine().close();
  reader.shutdown();
});

describe('HTTP publish function', () => {
  it('publishes a JSON message from an HTTP API 2.0 event and answers 200 with the SendResult', async () => {
    const payload = { body: { order: 42 }, tags: 'created', keys: ['order-42'], properties: { source: 'web' } };

    const { status, body } = await invoke(httpApiEvent('POST', '/topics/TopicTest/messages', JSON.stringify(payload), { 'content-type': 'application/json' }));

    expect(status).toBe(200);
    expect(body.result.status).toBe('SEND_OK');
    const stored = await viewByOffsetId(reader, body.result.offsetMsgId);
    expect(stored.body.toString()).toBe('{"order":42}');
    expect(Object.fromEntries(stored.properties)).toMatchObject({ TAGS: 'created', KEYS: 'order-42', source: 'web', UNIQ_KEY: body.result.msgId });
  });

  it('takes a base64-encoded raw body with tags and keys from headers', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);

    const { status, body } = await invoke(
      httpApiEvent('POST', '/topics/TopicTest/messages', bytes, {
        'content-type': 'application/octet-stream',
        'x-rocketmq-tags': 'bin',
        'x-rocketmq-keys': 'a, b',
      }),
    );

    expect(status).toBe(200);
    const stored = await viewByOffsetId(reader, body.result.offsetMsgId);
    expect(stored.body.equals(bytes)).toBe(true);
    expect(stored.properties.get('KEYS')).toBe('a b');
  });

  it('publishes bodyBase64 from a REST API (v1) event', async () => {
    const { status, body } = await invoke(
      restApiEvent('POST', '/topics/TopicTest/messages', JSON.stringify({ bodyBase64: Buffer.from('rest v1').toString('base64') }), {
        'Content-Type': 'application/json',
      }),
    );

    expect(status).toBe(200);
    expect((await viewByOffsetId(reader, body.result.offsetMsgId)).body.toString()).toBe('rest v1');
  });

  it('publishes a batch and answers one result per message', async () => {
    const messages = [{ body: 'one' }, { body: 'two', keys: 'k2' }, { body: 'three' }];

    const { status, body } = await invoke(
      httpApiEvent('POST', '/topics/TopicBatch/messages/batch', JSON.stringify({ messages }), { 'content-type': 'application/json' }),
    );

    expect(status).toBe(200);
    expect(body.results).toHaveLength(3);
    expect((await viewByOffsetId(reader, body.results[1].offsetMsgId)).body.toString()).toBe('two');
  });

  it('answers 202 for a oneway send and 200 for an async one', async () => {
    const oneway = await invoke(
      httpApiEvent('POST', '/topics/TopicTest/messages', JSON.stringify({ body: 'ow', mode: 'oneway' }), { 'content-type': 'application/json' }),
    );
    const async = await invoke(
      httpApiEvent('POST', '/topics/TopicTest/messages', JSON.stringify({ body: 'as', mode: 'async' }), { 'content-type': 'application/json' }),
    );

    expect([oneway.status, oneway.body]).toEqual([202, { accepted: true, mode: 'oneway' }]);
    expect(async.status).toBe(200);
    expect(async.body.result.status).toBe('SEND_OK');
  });

  const bad: [string, string, string, number, string | undefined][] = [
    ['invalid JSON', '{"body":', 'INVALID_JSON', 400, undefined],
    ['a body object nested 10,000 deep', `{"body":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`, 'INVALID_JSON', 400, undefined],
    ['a JSON null body', 'null', 'INVALID_ARGUMENT', 400, undefined],
    ['an unknown field', JSON.stringify({ body: 'x', urgency: 1 }), 'INVALID_ARGUMENT', 400, 'urgency'],
    ['both body and bodyBase64', JSON.stringify({ body: 'x', bodyBase64: 'eA==' }), 'INVALID_ARGUMENT', 400, 'body'],
    ['a body that is null', JSON.stringify({ body: null }), 'INVALID_ARGUMENT', 400, 'body'],
    ['a body that is a number', JSON.stringify({ body: 42 }), 'INVALID_ARGUMENT', 400, 'body'],
    ['a body that is a boolean', JSON.stringify({ body: true }), 'INVALID_ARGUMENT', 400, 'body'],
    ['a body that is an array', JSON.stringify({ body: [1, 2] }), 'INVALID_ARGUMENT', 400, 'body'],
    ['a lone surrogate escaped in the body', '{"body":"x\\ud800y"}', 'INVALID_ARGUMENT', 400, 'body'],
    ['unpadded base64', JSON.stringify({ bodyBase64: 'eA' }), 'INVALID_ARGUMENT', 400, 'bodyBase64'],
    ['base64 with a character outside its alphabet', JSON.stringify({ bodyBase64: 'ab!=' }), 'INVALID_ARGUMENT', 400, 'bodyBase64'],
    ['properties over the broker limit', JSON.stringify({ body: 'x', properties: { big: 'v'.repeat(33_000) } }), 'INVALID_ARGUMENT', 400, 'properties'],
    ['a deliverAt past the 3-day timer limit', JSON.stringify({ body: 'x', deliverAt: Date.now() + 4 * 86_400_000 }), 'INVALID_ARGUMENT', 400, 'deliverAt'],
    ['a separator in a tag', JSON.stringify({ body: 'x', tags: 'a\u0002DELAY\u00013' }), 'INVALID_ARGUMENT', 400, 'tags'],
    ['a reserved property', JSON.stringify({ body: 'x', properties: { UNIQ_KEY: 'mine' } }), 'INVALID_ARGUMENT', 400, 'properties.UNIQ_KEY'],
    ['delay level 0', JSON.stringify({ body: 'x', delayLevel: 0 }), 'INVALID_ARGUMENT', 400, 'delayLevel'],
    ['an unknown mode', JSON.stringify({ body: 'x', mode: 'later' }), 'INVALID_ARGUMENT', 400, 'mode'],
    ['an incompressible body over 4 MiB', JSON.stringify({ bodyBase64: randomBytes(4 * 1024 * 1024 + 1).toString('base64') }), 'MESSAGE_ILLEGAL', 413, 'body'],
  ];
  for (const [what, payload, code, status, field] of bad) {
    it(`answers ${status} ${code} naming ${field ?? 'no field'} for ${what}, sending nothing`, async () => {
      const sendsBefore = attempts();

      const response = await jsonPost('/topics/TopicTest/messages', payload);

      expect(response.status).toBe(status);
      expect(response.body.error.code).toBe(code);
      expect(response.body.error.field).toBe(field);
      expect(attempts()).toBe(sendsBefore);
    });
  }

  const badBatches: [string, string, string, string | undefined][] = [
    ['a JSON null batch', 'null', 'INVALID_ARGUMENT', undefined],
    ['a batch without messages', '{}', 'INVALID_ARGUMENT', 'messages'],
    ['a batch with an unknown top-level field', '{"messages":[{"body":"a"}],"mode":"oneway"}', 'INVALID_ARGUMENT', 'mode'],
    ['a null message in a batch', '{"messages":[{"body":"a"},null]}', 'INVALID_ARGUMENT', 'messages[1]'],
    [
      'a bad tag in the third message',
      JSON.stringify({ messages: [{ body: 'a' }, { body: 'b' }, { body: 'c', tags: 'x\u0001y' }] }),
      'INVALID_ARGUMENT',
      'messages[2].tags',
    ],
    ['a body that is a number in the second message', JSON.stringify({ messages: [{ body: 'a' }, { body: 1 }] }), 'INVALID_ARGUMENT', 'messages[1].body'],
    [
      'two sharding keys in a batch',
      JSON.stringify({
        messages: [
          { body: 'a', shardingKey: 'k1' },
          { body: 'b', shardingKey: 'k2' },
        ],
      }),
      'INVALID_ARGUMENT',
      'messages[1].shardingKey',
    ],
    ['a lone surrogate in a batch message tag', '{"messages":[{"body":"a","tags":"x\\ud800"}]}', 'INVALID_ARGUMENT', 'messages[0].tags'],
    ['a delayed message in a batch', JSON.stringify({ messages: [{ body: 'a' }, { body: 'b', delayLevel: 3 }] }), 'INVALID_ARGUMENT', 'messages[1].delayLevel'],
  ];
  for (const [what, payload, code, field] of badBatches) {
    it(`answers 400 ${code} naming ${field ?? 'no field'} for ${what}, sending nothing`, async () => {
      const sendsBefore = attempts();

      const response = await jsonPost('/topics/TopicBatch/messages/batch', payload);

      expect([response.status, response.body.error.code, response.body.error.field]).toEqual([400, code, field]);
      expect(attempts()).toBe(sendsBefore);
    });
  }

  it('answers 413 for a batch that would need two requests, so a batch is stored whole or not at all', async () => {
    const sendsBefore = attempts();
    const messages = [0, 1].map(() => ({ bodyBase64: randomBytes(2.5 * 1024 * 1024).toString('base64') }));

    const response = await jsonPost('/topics/TopicBatch/messages/batch', JSON.stringify({ messages }));

    expect([response.status, response.body.error.code, response.body.error.field]).toEqual([413, 'MESSAGE_ILLEGAL', 'messages']);
    expect(attempts()).toBe(sendsBefore);
  });

  it('answers events with no usable path or headers with a 4xx, never a 500', async () => {
    const odd = [
      { version: '2.0', rawPath: { toString: null }, headers: 7, requestContext: { http: { method: 'POST' } } },
      { version: '2.0', requestContext: {} },
      { httpMethod: ['POST'], path: 42, headers: null, body: 5 },
      null,
    ];
    for (const event of odd) {
      const response = await invoke(event as never);

      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    }
  });

  it('parses media types properly: any case, +json suffixes and parameters are JSON', async () => {
    const payload = JSON.stringify({ body: 'typed', tags: 'kept', keys: ['media-1'] });

    for (const type of ['Application/JSON', 'application/vnd.api+json', 'application/json; charset=UTF-8']) {
      const { status, body } = await jsonPost('/topics/TopicTest/messages', payload, type);

      expect(status).toBe(200);
      const stored = await viewByOffsetId(reader, body.result.offsetMsgId);
      expect([stored.body.toString(), stored.properties.get('TAGS')]).toEqual(['typed', 'kept']);
    }
  });

  it('refuses a request without a content type (415), and JSON in another charset, sending nothing', async () => {
    const sendsBefore = attempts();

    const untyped = await invoke(httpApiEvent('POST', '/topics/TopicTest/messages', '{"body":"x"}'));
    const latin1 = await jsonPost('/topics/TopicTest/messages', '{"body":"x"}', 'application/json; charset=iso-8859-1');
    const rawBatch = await jsonPost('/topics/TopicBatch/messages/batch', 'x', 'text/plain');

    expect([untyped.status, untyped.body.error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    expect([latin1.status, rawBatch.status]).toEqual([415, 415]);
    expect(attempts()).toBe(sendsBefore);
  });

  it('refuses JSON that is not UTF-8 instead of replacing what it cannot read', async () => {
    const bytes = Buffer.concat([Buffer.from('{"body":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);

    const response = await invoke(httpApiEvent('POST', '/topics/TopicTest/messages', bytes, { 'content-type': 'application/json' }));

    expect([response.status, response.body.error.code]).toEqual([400, 'INVALID_JSON']);
  });

  it('stores a raw text body byte for byte, invalid UTF-8 included', async () => {
    const bytes = Buffer.from([0x68, 0x69, 0xff, 0xfe, 0x00]);

    const { status, body } = await invoke(httpApiEvent('POST', '/topics/TopicTest/messages', bytes, { 'content-type': 'text/plain' }));

    expect(status).toBe(200);
    expect((await viewByOffsetId(reader, body.result.offsetMsgId)).body.equals(bytes)).toBe(true);
  });

  it('names the header when a raw request has a bad tag or key', async () => {
    const tag = await invoke(httpApiEvent('POST', '/topics/TopicTest/messages', 'x', { 'content-type': 'text/plain', 'x-rocketmq-tags': 'a\u0002b' }));
    const key = await invoke(httpApiEvent('POST', '/topics/TopicTest/messages', 'x', { 'content-type': 'text/plain', 'x-rocketmq-keys': 'a,b\u0001c' }));

    expect([tag.status, tag.body.error.field, tag.body.error.code]).toEqual([400, 'x-rocketmq-tags', 'INVALID_ARGUMENT']);
    expect([key.status, key.body.error.field, key.body.error.code]).toEqual([400, 'x-rocketmq-keys', 'INVALID_ARGUMENT']);
    // The field is named beside the message, never inside it under the name the JSON form uses.
    expect(`${tag.body.error.message} ${key.body.error.message}`).not.toMatch(/\b(tags|keys)(\[\d+\])?:/);
  });

  it('refuses a text body with a lone surrogate instead of storing a replacement character', async () => {
    const sendsBefore = attempts();

    const response = await invoke(httpApiEvent('POST', '/topics/TopicTest/messages', 'a\uD800', { 'content-type': 'text/plain' }));

    expect([response.status, response.body.error.code]).toEqual([400, 'INVALID_BODY']);
    expect(attempts()).toBe(sendsBefore);
  });

  it('answers 400 for malformed percent-encoding in the topic and 405 with Allow for another method', async () => {
    const badEncoding = await invoke(httpApiEvent('POST', '/topics/%E0%A4%A/messages', 'x', { 'content-type': 'text/plain' }));
    const get = await invoke(httpApiEvent('GET', '/topics/TopicTest/messages', undefined));

    expect([badEncoding.status, badEncoding.body.error.field]).toEqual([400, 'topic']);
    expect([get.status, get.headers.allow]).toEqual([405, 'POST']);
  });

  const refusedTopics: [string, string, string][] = [
    ['a retry topic', '%25RETRY%25some-group', 'TOPIC_RESERVED'],
    ['a dead-letter topic', '%25DLQ%25some-group', 'TOPIC_RESERVED'],
    ['a reply topic', 'LocalCluster_REPLY_TOPIC', 'TOPIC_RESERVED'],
    ['the cluster name', 'LocalCluster', 'TOPIC_RESERVED'],
    ['a broker name', 'broker-a', 'TOPIC_RESERVED'],
    ['a topic outside ALLOWED_TOPICS', 'TopicOnlyA', 'TOPIC_NOT_ALLOWED'],
  ];
  for (const [what, topic, code] of refusedTopics) {
    it(`answers 403 ${code} for ${what}, sending nothing`, async () => {
      const sendsBefore = attempts();

      const response = await jsonPost(`/topics/${topic}/messages`, '{"body":"x"}');

      expect([response.status, response.body.error.code, response.body.error.field]).toEqual([403, code, 'topic']);
      expect(attempts()).toBe(sendsBefore);
    });
  }

  it('answers 400 for a bad topic name in the path and 404 for an unknown route', async () => {
    const badTopic = await invoke(httpApiEvent('POST', '/topics/bad%20topic/messages', 'x', { 'content-type': 'text/plain' }));
    const unknown = await invoke(httpApiEvent('POST', '/queues/x', 'x'));

    expect([badTopic.status, badTopic.body.error.field]).toEqual([400, 'topic']);
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'NOT_FOUND']);
  });
});

describe('HTTP publish: the 5.3+ send features', () => {
  const handleOf = (text: string) => Buffer.from(text).toString('base64url');
  const recall = (topic: string, handle: string, method = 'DELETE') => invoke(httpApiEvent(method, `/topics/${topic}/messages/${handle}`, undefined));

  it('takes delaySeconds and delayMs, answers the recall handle, and recalls the message with DELETE', async () => {
    const seconds = await jsonPost('/topics/TopicTest/messages', JSON.stringify({ body: 'later', delaySeconds: 30 }));
    const millis = await jsonPost('/topics/TopicTest/messages', JSON.stringify({ body: 'later still', delayMs: 45_000 }));

    const recalled = await recall('TopicTest', seconds.body.result.recallHandle);
    const stored = await viewByOffsetId(reader, millis.body.result.offsetMsgId);

    expect([seconds.status, millis.status]).toEqual([200, 200]);
    expect((await viewByOffsetId(reader, seconds.body.result.offsetMsgId)).properties.get('TIMER_DELAY_SEC')).toBe('30');
    expect(stored.properties.get('TIMER_DELAY_MS')).toBe('45000');
    expect([recalled.status, recalled.body]).toEqual([200, { recalled: { msgId: seconds.body.result.msgId } }]);
    await recall('TopicTest', millis.body.result.recallHandle); // nothing left to deliver in the test topic later
  });

  it('answers a 4xx with a stable code for a malformed, foreign-topic or due handle, sending nothing', async () => {
    const before = attempts();
    const malformed = await recall('TopicTest', 'not-a-handle');
    const foreign = await recall('TopicTest', handleOf(`v1 TopicBatch broker-a ${Date.now() + 60_000} 0A0B`));
    const due = await recall('TopicTest', handleOf(`v1 TopicTest broker-a ${Date.now() - 1} 0A0B`));

    expect([malformed.status, malformed.body.error.code, malformed.body.error.field]).toEqual([400, 'INVALID_ARGUMENT', 'recallHandle']);
    expect([foreign.status, foreign.body.error.code, foreign.body.error.message]).toEqual([400, 'INVALID_ARGUMENT', 'belongs to topic TopicBatch']);
    expect([due.status, due.body.error.code]).toEqual([410, 'RECALL_EXPIRED']);
    expect(attempts()).toBe(before);
  });

  it('recalls only under the topic allowlist, and only with DELETE', async () => {
    const handle = handleOf(`v1 TopicOnlyA broker-a ${Date.now() + 60_000} 0A0B`);
    const outside = await recall('TopicOnlyA', handle);
    const wrongMethod = await recall('TopicTest', handle, 'PUT');

    expect([outside.status, outside.body.error.code]).toEqual([403, 'TOPIC_NOT_ALLOWED']);
    expect([wrongMethod.status, wrongMethod.headers.allow]).toEqual([405, 'DELETE']);
  });

  it('answers 422 UNSUPPORTED_BY_BROKER for a priority or lite topic the 5.3.3 brokers cannot honour, and 400 for a bad one', async () => {
    const priority = await jsonPost('/topics/TopicTest/messages', JSON.stringify({ body: 'urgent', priority: 2 }));
    const lite = await jsonPost('/topics/TopicTest/messages', JSON.stringify({ body: 'lite', liteTopic: 'order-42' }));
    const badLite = await jsonPost('/topics/TopicTest/messages', JSON.stringify({ body: 'lite', liteTopic: 'a$b' }));

    expect([priority.status, priority.body.error.code]).toEqual([422, 'UNSUPPORTED_BY_BROKER']);
    expect(priority.body.error.message).toContain('5.4.0');
    expect([lite.status, lite.body.error.code]).toEqual([422, 'UNSUPPORTED_BY_BROKER']);
    expect([badLite.status, badLite.body.error.field]).toEqual([400, 'liteTopic']);
  });
});
