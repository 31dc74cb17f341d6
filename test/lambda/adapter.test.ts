// The adapter: configuration checked once with one clear error, the middy entry style over the
// same engine, and the bundled artifact cold-started in a fresh Node process.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deflateSync } from 'node:zlib';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { buildFunctions } from '../../infra/build.ts';
import { ConfigError, producerOptions, readConfig } from '../../lib/internal.ts';
import { Engine } from '../../lib/internal.ts';
import { rocketmqProducer, type ContextWithProducer } from '../../lib/internal.ts';
import { RemotingClient, withProducer } from '../../lib/internal.ts';
import { viewByOffsetId } from '../support/read-back.ts';
import { httpApiEvent, lambdaContext } from '../support/events.ts';

const stack = inject('stack');
const root = join(import.meta.dirname, '..', '..');
const out = mkdtempSync(join(tmpdir(), 'cold-start-'));
const quiet = { POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'CRITICAL' };

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('adapter configuration', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['a missing name server list', { PRODUCER_GROUP: 'g' }, 'NAMESRV_ADDR'],
    ['a name server without a port', { NAMESRV_ADDR: 'namesrv', PRODUCER_GROUP: 'g' }, 'NAMESRV_ADDR'],
    ['a missing producer group', { NAMESRV_ADDR: 'a:1' }, 'PRODUCER_GROUP'],
    ['a timeout that is not a number', { NAMESRV_ADDR: 'a:1', PRODUCER_GROUP: 'g', SEND_TIMEOUT_MS: '3s' }, 'SEND_TIMEOUT_MS'],
    ['unknown fault tables', { NAMESRV_ADDR: 'a:1', PRODUCER_GROUP: 'g', FAULT_TABLES: '6.x' }, 'FAULT_TABLES'],
    ['an access key without its secret', { NAMESRV_ADDR: 'a:1', PRODUCER_GROUP: 'g', ROCKETMQ_ACCESS_KEY: 'ak' }, 'ROCKETMQ_SECRET_KEY'],
    ['a TLS switch that is not true or false', { NAMESRV_ADDR: 'a:1', PRODUCER_GROUP: 'g', ROCKETMQ_TLS: 'yes' }, 'ROCKETMQ_TLS'],
    ['a client certificate without its key', { NAMESRV_ADDR: 'a:1', PRODUCER_GROUP: 'g', ROCKETMQ_TLS_CERT: 'pem' }, 'ROCKETMQ_TLS_KEY'],
    ['a CA file that is not there', { NAMESRV_ADDR: 'a:1', PRODUCER_GROUP: 'g', ROCKETMQ_TLS_CA_FILE: '/nonexistent/ca.pem' }, 'ROCKETMQ_TLS_CA_FILE'],
    ['TLS off with TLS settings given', { NAMESRV_ADDR: 'a:1', PRODUCER_GROUP: 'g', ROCKETMQ_TLS: 'false', ROCKETMQ_TLS_CA: 'pem' }, 'ROCKETMQ_TLS'],
    ['a security token without credentials', { NAMESRV_ADDR: 'a:1', PRODUCER_GROUP: 'g', ROCKETMQ_SECURITY_TOKEN: 'token' }, 'ROCKETMQ_SECURITY_TOKEN'],
    ['a compression threshold that is not a number', { NAMESRV_ADDR: 'a:1', PRODUCER_GROUP: 'g', COMPRESS_OVER_BYTES: '4k' }, 'COMPRESS_OVER_BYTES'],
    ['a compression level beyond zlib', { NAMESRV_ADDR: 'a:1', PRODUCER_GROUP: 'g', COMPRESS_LEVEL: '10' }, 'COMPRESS_LEVEL'],
    ['an unknown header format', { NAMESRV_ADDR: 'a:1', PRODUCER_GROUP: 'g', ROCKETMQ_SERIALIZE_TYPE: 'XML' }, 'ROCKETMQ_SERIALIZE_TYPE'],
    ['an allowed topic that is no topic name', { NAMESRV_ADDR: 'a:1', PRODUCER_GROUP: 'g', ALLOWED_TOPICS: 'orders, audit?' }, 'ALLOWED_TOPICS'],
  ];
  for (const [what, env, variable] of cases) {
    it(`names ${variable} for ${what}`, () => {
      const error = (() => {
        try {
          readConfig(env);
        } catch (err) {
          return err as ConfigError;
        }
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect(error?.variable).toBe(variable);
      expect(error?.message.startsWith(`${variable}: `)).toBe(true);
    });
  }

  it('writes ROCKETMQ headers unless ROCKETMQ_SERIALIZE_TYPE asks for JSON', () => {
    const base = { NAMESRV_ADDR: 'a:1', PRODUCER_GROUP: 'g' };

    expect(producerOptions(readConfig(base)).serializeType).toBe('ROCKETMQ');
    expect(producerOptions(readConfig({ ...base, ROCKETMQ_SERIALIZE_TYPE: 'json' })).serializeType).toBe('JSON');
  });

  it('compresses as COMPRESS_OVER_BYTES and COMPRESS_LEVEL say, as the broker stores it', async () => {
    const env = { ...quiet, NAMESRV_ADDR: stack.nameServer, PRODUCER_GROUP: 'adapter-compress', COMPRESS_OVER_BYTES: '100', COMPRESS_LEVEL: '9' };
    const engine = new Engine({ env });
    const reader = new RemotingClient();
    const body = Buffer.from('order 42 paid; '.repeat(20)); // 300 bytes: under Java's 4 KiB, over the 100 set here
    try {
      const result = await withProducer((_e: unknown, _c, rocketmq) => rocketmq.send({ topic: 'TopicTest', body }), engine)({}, lambdaContext());

      const stored = await viewByOffsetId(reader, result.offsetMsgId);
      expect(stored.sysFlag & 0x1).toBe(1);
      expect(stored.body.equals(deflateSync(body, { level: 9 }))).toBe(true);
    } finally {
      reader.shutdown();
      await engine.close();
    }
  });

  it('logs at the level of the variables it was given, not only the process environment', () => {
    expect(new Engine({ env: { POWERTOOLS_LOG_LEVEL: 'CRITICAL' } }).logger.getLevelName()).toBe('CRITICAL');
    expect(new Engine({ env: { LOG_LEVEL: 'debug' } }).logger.getLevelName()).toBe('DEBUG');
  });

  it('fails every invocation of a misconfigured container with that one error, sending nothing', async () => {
    const handler = withProducer(async () => 'unreachable', new Engine({ env: { PRODUCER_GROUP: 'g', ...quiet } }));

    await expect(handler({}, lambdaContext())).rejects.toThrow(/^NAMESRV_ADDR: is required/);
  });
});

describe('adapter entry styles', () => {
  it('gives a middy handler the warm producer with the invocation deadline, and flushes after it', async () => {
    const engine = new Engine({ env: { NAMESRV_ADDR: stack.nameServer, PRODUCER_GROUP: 'middy-test', ...quiet } });
    let pendingAfterHandler = -1;
    const handler = middy(async (_event: unknown, context: Context) => {
      const { rocketmq } = context as ContextWithProducer;
      void rocketmq.sendAsync({ topic: 'TopicTest', body: 'from middy' });
      return rocketmq.deadline;
    }).use(rocketmqProducer({ engine }));
    const trackPending = handler.after(async (request) => {
      pendingAfterHandler = (request.context as ContextWithProducer).rocketmq.producer.stats().pending;
    });
    void trackPending;

    const before = Date.now();
    const deadline = await handler({}, lambdaContext(5000));
    const stats = engine.producer!.stats();
    await engine.close();

    expect(deadline).toBeGreaterThan(before + 4000);
    expect(deadline).toBeLessThanOrEqual(before + 4500);
    expect(stats.sends).toBe(1);
    expect(stats.pending).toBe(0);
    expect(pendingAfterHandler).toBe(1); // still pending when the handler returned; flushed by the middleware
  });
});

describe('adapter metrics', () => {
  it('publishes one EMF document per invocation with send latency, counts, cold start and the request id', async () => {
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    const engine = new Engine({ env: { NAMESRV_ADDR: stack.nameServer, PRODUCER_GROUP: 'metrics-test', POWERTOOLS_LOG_LEVEL: 'CRITICAL' } });
    const handler = withProducer(async (_event, _context, rocketmq) => rocketmq.send({ topic: 'TopicTest', body: 'measured' }), engine);
    const context = lambdaContext();
    try {
      await handler({}, context);
    } finally {
      process.stdout.write = write;
      await engine.close();
    }

    const emf = lines
      .map((l) => {
        try {
          return JSON.parse(l);
        } catch {
          return undefined;
        }
      })
      .find((d) => d?._aws?.CloudWatchMetrics);
    const names = emf._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name);
    expect(names).toEqual(expect.arrayContaining(['ColdStart', 'SendLatency', 'Sends', 'SendAttempts']));
    expect(emf.Sends).toBe(1);
    expect(emf.requestId).toBe(context.awsRequestId);
  });
});

describe('cold start of the bundled artifact', () => {
  it('imports the bundled publish handler in a fresh Node process and publishes', async () => {
    await buildFunctions({ src: join(root, 'functions'), out });
    const script = `
      const { handler } = await import(${JSON.stringify(join(out, 'publish', 'index.mjs'))});
      const event = ${JSON.stringify(httpApiEvent('POST', '/topics/TopicTest/messages', JSON.stringify({ body: 'cold start' }), { 'content-type': 'application/json' }))};
      const context = { awsRequestId: 'cold-1', getRemainingTimeInMillis: () => 10000 };
      const response = await handler(event, context);
      console.log(JSON.stringify(response));
      process.exit(0);
    `;

    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: out, // no node_modules here: everything must be in the bundle
      env: { PATH: process.env.PATH, NAMESRV_ADDR: stack.nameServer, PRODUCER_GROUP: 'cold-start', ALLOWED_TOPICS: 'TopicTest', ...quiet },
      timeout: 30_000,
    });

    const response = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body).result.status).toBe('SEND_OK');
  });
});
