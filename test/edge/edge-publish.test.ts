// The edge publish function (functions/edge-publish/worker.ts) served by Cloudflare's workerd, as
// wrangler bundles it, its bindings given as a deployment's vars and secrets, publishing to the
// local stack over HTTP. Messages are read back from their broker; bad input is answered as the
// Lambda publish function answers the same input (both run here, side by side); each request's
// producer is made and shut down inside it, and what it cost (route lookups, sockets opened and
// still open) is read from the JSON line the Worker logs for it.
import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureEdgeRuntime } from '../../infra/edge-runtimes.ts';
import { REPO_ROOT } from '../../infra/local/config.ts';
import { RemotingClient } from '../../lib/internal.ts';
import { httpApiEvent, lambdaContext } from '../support/events.ts';
import { viewByOffsetId } from '../support/read-back.ts';
import { type ServedWorker, serveWorker } from './support/workerd.ts';

const stack = inject('stack');
const ENTRY = `${REPO_ROOT}/functions/edge-publish/worker.ts`;
const TOKEN = `edge-token-${Math.random().toString(36).slice(2)}`;
const bindings = { NAMESRV_ADDR: stack.nameServer, PRODUCER_GROUP: 'edge-publish', ALLOWED_TOPICS: 'TopicTest,TopicBatch', PUBLISH_TOKEN: TOKEN };

// The Lambda function, on the same cluster and allowlist, for the same inputs.
Object.assign(process.env, {
  NAMESRV_ADDR: stack.nameServer,
  PRODUCER_GROUP: 'edge-publish-lambda',
  ALLOWED_TOPICS: bindings.ALLOWED_TOPICS,
  STATE_TABLE: '',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'CRITICAL',
});
const { handler: lambda } = await import('../../functions/publish/index.ts');
const { sharedEngine } = await import('../../lib/internal.ts');

interface RequestLog {
  requestId: string;
  status: number;
  routeLookups?: number;
  sends?: number;
  sockets?: { opened: number; open: number; evicted: number };
}

const reader = new RemotingClient();
let workerd: string;
let worker: ServedWorker;
let ids = 0;

interface Post {
  method?: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

/** One request to `served`; its answer and the line the Worker logged for it (found by the cf-ray it was given). */
async function call(served: ServedWorker, post: Post, token: string | null = TOKEN) {
  const requestId = `test-${process.pid}-${++ids}`;
  const headers: Record<string, string> = { 'cf-ray': requestId, ...post.headers };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  // Bytes, not a string: fetch would add a content-type of its own to a string body.
  const body = post.body === undefined ? {} : { body: new TextEncoder().encode(post.body) };
  const response = await fetch(`${served.url}${post.path}`, { method: post.method ?? 'POST', headers, ...body });
  return {
    status: response.status,
    body: JSON.parse(await response.text()),
    allow: response.headers.get('allow'),
    challenge: response.headers.get('www-authenticate'),
    log: await logOf(served, requestId),
  };
}

async function logOf(served: ServedWorker, requestId: string): Promise<RequestLog> {
  for (let waited = 0; waited < 2000; waited += 20) {
    const line = served
      .output()
      .split('\n')
      .find((l) => l.includes('"component":"edge-publish"') && l.includes(`"requestId":"${requestId}"`) && l.includes('"status"'));
    if (line) return JSON.parse(line) as RequestLog;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the Worker logged no line for ${requestId}:\n${served.output()}`);
}

async function callLambda(post: Post) {
  const event = httpApiEvent(post.method ?? 'POST', post.path, post.body, post.headers ?? {});
  const response = (await lambda(event, lambdaContext())) as APIGatewayProxyResult;
  return { status: response.statusCode, body: JSON.parse(response.body), allow: (response.headers?.allow as string | undefined) ?? null };
}

const json = (path: string, payload: unknown, headers: Record<string, string> = {}): Post => ({
  path,
  body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  headers: { 'content-type': 'application/json', ...headers },
});

beforeAll(async () => {
  workerd = ensureEdgeRuntime('workerd');
  worker = await serveWorker(workerd, { entry: ENTRY, bindings });
});

afterAll(async () => {
  await worker?.close();
  await sharedEngine().close();
  reader.shutdown();
});

describe('the edge publish Worker in workerd', () => {
  it('publishes a JSON message with tags, keys, properties and the trace context, read back from its broker', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const payload = { body: { order: 42 }, tags: 'edge', keys: ['order-42', 'worker'], properties: { source: 'worker' } };

    const { status, body, log } = await call(worker, json('/topics/TopicTest/messages', payload, { traceparent }));

    expect(status).toBe(200);
    expect(body.result.status).toBe('SEND_OK');
    const stored = await viewByOffsetId(reader, body.result.offsetMsgId);
    expect(stored.topic).toBe('TopicTest');
    expect(stored.body.toString()).toBe('{"order":42}');
    expect(Object.fromEntries(stored.properties)).toMatchObject({
      TAGS: 'edge',
      KEYS: 'order-42 worker',
      source: 'worker',
      traceparent,
      UNIQ_KEY: body.result.msgId,
    });
    expect(log.sockets?.open).toBe(0);
  });

  it('publishes a raw body with tags and keys from headers, and a batch stored whole', async () => {
    const raw = await call(worker, {
      path: '/topics/TopicTest/messages',
      body: 'raw from the edge',
      headers: { 'content-type': 'text/plain', 'x-rocketmq-tags': 'raw', 'x-rocketmq-keys': 'a, b' },
    });
    const batch = await call(worker, json('/topics/TopicBatch/messages/batch', { messages: [{ body: 'one' }, { body: 'two', tags: 't2' }] }));

    expect([raw.status, batch.status]).toEqual([200, 200]);
    const storedRaw = await viewByOffsetId(reader, raw.body.result.offsetMsgId);
    expect(storedRaw.body.toString()).toBe('raw from the edge');
    expect(Object.fromEntries(storedRaw.properties)).toMatchObject({ TAGS: 'raw', KEYS: 'a b' });
    const storedBatch = await Promise.all(batch.body.results.map((r: { offsetMsgId: string }) => viewByOffsetId(reader, r.offsetMsgId)));
    expect(storedBatch.map((m) => m.body.toString())).toEqual(['one', 'two']);
  });

  it.each<[string, Post]>([
    ['no content-type', { path: '/topics/TopicTest/messages', body: 'x' }],
    ['JSON that does not parse', json('/topics/TopicTest/messages', '{"body":')],
    ['a field that is no message field', json('/topics/TopicTest/messages', { body: 'x', colour: 'red' })],
    ['a tag with a control character', json('/topics/TopicTest/messages', { body: 'x', tags: 'a\u0002b' })],
    [
      'a raw body with an unknown mode header',
      { path: '/topics/TopicTest/messages', body: 'x', headers: { 'content-type': 'text/plain', 'x-rocketmq-mode': 'later' } },
    ],
    ['a topic outside the allowlist', json('/topics/Elsewhere/messages', { body: 'x' })],
    ['a retry topic', json('/topics/%25RETRY%25group/messages', { body: 'x' })],
    ['an empty batch', json('/topics/TopicBatch/messages/batch', { messages: [] })],
    ['GET on a publish route', { method: 'GET', path: '/topics/TopicTest/messages' }],
    ['a path that is no route', json('/queues/TopicTest', { body: 'x' })],
    ['a transaction without the state table', json('/topics/TopicTest/transactions', { body: 'x' })],
  ])('answers %s as the Lambda function does, sending nothing and opening no socket', async (_name, post) => {
    const edge = await call(worker, post);
    const aws = await callLambda(post);

    expect(edge.status).toBeGreaterThanOrEqual(400);
    const answer = (r: typeof aws) => ({ status: r.status, code: r.body.error.code, field: r.body.error.field, allow: r.allow });
    expect(answer(edge)).toEqual(answer(aws));
    expect(edge.log.sockets).toEqual({ opened: 0, open: 0, evicted: 0 });
  });

  it('answers 401 without a bearer token and with a wrong one, and 503 when no token is configured', async () => {
    const post = json('/topics/TopicTest/messages', { body: 'not sent' });
    const unconfigured = await serveWorker(workerd, { entry: ENTRY, bindings: { ...bindings, PUBLISH_TOKEN: '' } });
    try {
      const missing = await call(worker, post, null);
      const wrong = await call(worker, post, `${TOKEN}x`);
      const prefix = await call(worker, post, TOKEN.slice(0, -1));
      const refused = await call(unconfigured, post, TOKEN);

      for (const answer of [missing, wrong, prefix]) {
        expect([answer.status, answer.body.error.code, answer.challenge]).toEqual([401, 'UNAUTHORIZED', 'Bearer realm="rocketmq-publish"']);
        expect(answer.log.sockets).toBeUndefined(); // refused before any producer was made
      }
      expect([refused.status, refused.body.error.code]).toEqual([503, 'AUTH_NOT_CONFIGURED']);
    } finally {
      await unconfigured.close();
    }
  });

  it('makes a producer per request that reuses the route an earlier request of the isolate looked up, and closes every socket before answering', async () => {
    const fresh = await serveWorker(workerd, { entry: ENTRY, bindings });
    try {
      const post = json('/topics/TopicTest/messages', { body: 'route reuse', shardingKey: 'one-queue' });
      const first = await call(fresh, post);
      const second = await call(fresh, post);

      expect([first.status, second.status]).toEqual([200, 200]);
      // First: the name server and a broker. Second: the route from the isolate's memory, a new
      // producer's socket to the broker alone.
      expect(first.log.routeLookups).toBeGreaterThanOrEqual(1);
      expect(first.log.sockets).toEqual({ opened: 2, open: 0, evicted: 0 });
      expect(second.log.routeLookups).toBe(0);
      expect(second.log.sockets).toEqual({ opened: 1, open: 0, evicted: 0 });
    } finally {
      await fresh.close();
    }
  });
});
