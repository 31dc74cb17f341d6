// The HTTP publish function invoked with real API Gateway event shapes, against the real brokers
// and DynamoDB Local.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { LOCAL_CREDENTIALS, localClient } from '../../infra/local/dynamodb.ts';
import { ensureTable } from '../../infra/table.ts';
import { RemotingClient } from '../../lib/remoting/remoting-client.ts';
import { sharedEngine } from '../../lib/lambda/with-producer.ts';
import { viewByOffsetId } from '../support/read-back.ts';
import { httpApiEvent, lambdaContext, restApiEvent } from '../support/events.ts';

const stack = inject('stack');
const endpoint = inject('dynamodbEndpoint');
const table = `publish-${process.pid}`;
Object.assign(process.env, {
  NAMESRV_ADDR: stack.nameServer,
  PRODUCER_GROUP: 'publish-fn',
  STATE_TABLE: table,
  AWS_ENDPOINT_URL_DYNAMODB: endpoint,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
});
const { handler } = await import('../../functions/publish/index.ts');
const reader = new RemotingClient();
const invoke = async (event: Parameters<typeof handler>[0]) => {
  const response = (await handler(event, lambdaContext())) as APIGatewayProxyResult;
  return { status: response.statusCode, body: JSON.parse(response.body) };
};

beforeAll(async () => {
  const client = localClient(endpoint);
  await ensureTable(client, table);
  client.destroy();
});
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

    const { status, body } = await invoke(httpApiEvent('POST', '/topics/TopicTest/messages', bytes, { 'content-type': 'application/octet-stream', 'x-rocketmq-tags': 'bin', 'x-rocketmq-keys': 'a, b' }));

    expect(status).toBe(200);
    const stored = await viewByOffsetId(reader, body.result.offsetMsgId);
    expect(stored.body.equals(bytes)).toBe(true);
    expect(stored.properties.get('KEYS')).toBe('a b');
  });

  it('publishes bodyBase64 from a REST API (v1) event', async () => {
    const { status, body } = await invoke(restApiEvent('POST', '/topics/TopicTest/messages', JSON.stringify({ bodyBase64: Buffer.from('rest v1').toString('base64') }), { 'Content-Type': 'application/json' }));

    expect(status).toBe(200);
    expect((await viewByOffsetId(reader, body.result.offsetMsgId)).body.toString()).toBe('rest v1');
  });

  it('publishes a batch and answers one result per message', async () => {
    const messages = [{ body: 'one' }, { body: 'two', keys: 'k2' }, { body: 'three' }];

    const { status, body } = await invoke(httpApiEvent('POST', '/topics/TopicBatch/messages/batch', JSON.stringify({ messages }), { 'content-type': 'application/json' }));

    expect(status).toBe(200);
    expect(body.results).toHaveLength(3);
    expect((await viewByOffsetId(reader, body.results[1].offsetMsgId)).body.toString()).toBe('two');
  });

  it('answers 202 for a oneway send and 200 for an async one', async () => {
    const oneway = await invoke(httpApiEvent('POST', '/topics/TopicTest/messages', JSON.stringify({ body: 'ow', mode: 'oneway' }), { 'content-type': 'application/json' }));
    const async = await invoke(httpApiEvent('POST', '/topics/TopicTest/messages', JSON.stringify({ body: 'as', mode: 'async' }), { 'content-type': 'application/json' }));

    expect(oneway).toEqual({ status: 202, body: { accepted: true, mode: 'oneway' } });
    expect(async.status).toBe(200);
    expect(async.body.result.status).toBe('SEND_OK');
  });

  const bad: [string, string, string, number, string][] = [
    ['invalid JSON', '{"body":', 'INVALID_JSON', 400, 'body'],
    ['an unknown field', JSON.stringify({ body: 'x', priority: 1 }), 'INVALID_ARGUMENT', 400, 'message.priority'],
    ['both body and bodyBase64', JSON.stringify({ body: 'x', bodyBase64: 'eA==' }), 'INVALID_ARGUMENT', 400, 'message.body'],
    ['a separator in a tag', JSON.stringify({ body: 'x', tags: 'a\u0002DELAY\u00013' }), 'INVALID_ARGUMENT', 400, 'tags'],
    ['a reserved property', JSON.stringify({ body: 'x', properties: { UNIQ_KEY: 'mine' } }), 'INVALID_ARGUMENT', 400, 'properties.UNIQ_KEY'],
    ['delay level 0', JSON.stringify({ body: 'x', delayLevel: 0 }), 'INVALID_ARGUMENT', 400, 'delayLevel'],
    ['an unknown mode', JSON.stringify({ body: 'x', mode: 'later' }), 'INVALID_ARGUMENT', 400, 'mode'],
    ['a body over 4 MiB', JSON.stringify({ body: 'x'.repeat(4 * 1024 * 1024 + 1) }), 'MESSAGE_ILLEGAL', 413, 'body'],
  ];
  for (const [what, payload, code, status, field] of bad) {
    it(`answers ${status} ${code} naming ${field} for ${what}, sending nothing`, async () => {
      const sendsBefore = sharedEngine()['producer']?.stats.attempts ?? 0;

      const response = await invoke(httpApiEvent('POST', '/topics/TopicTest/messages', payload, { 'content-type': 'application/json' }));

      expect(response.status).toBe(status);
      expect(response.body.error.code).toBe(code);
      expect(response.body.error.field).toBe(field);
      expect(sharedEngine()['producer']?.stats.attempts ?? 0).toBe(sendsBefore);
    });
  }

  it('answers 400 for a bad topic name in the path and 404 for an unknown route', async () => {
    const badTopic = await invoke(httpApiEvent('POST', '/topics/bad%20topic/messages', 'x', { 'content-type': 'text/plain' }));
    const unknown = await invoke(httpApiEvent('POST', '/queues/x', 'x'));

    expect([badTopic.status, badTopic.body.error.field]).toEqual([400, 'topic']);
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'NOT_FOUND']);
  });
});
