// Trace context from an HTTP request or an SQS record into message properties, read back from the
// real brokers; what is malformed is left out and the message still goes.
import type { APIGatewayProxyResult, SQSBatchResponse } from 'aws-lambda';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { checkedContext, ConfigError, contextFromHeaders, readConfig, RemotingClient, sharedEngine, validTraceparent } from '../../lib/internal.ts';
import { httpApiEvent, lambdaContext, sqsEvent, sqsRecord } from '../support/events.ts';
import { queryByKey } from '../support/read-back.ts';

const stack = inject('stack');
Object.assign(process.env, {
  NAMESRV_ADDR: stack.nameServer,
  PRODUCER_GROUP: 'trace-context',
  ALLOWED_TOPICS: 'TopicTest',
  TARGET_TOPIC: 'TopicTest',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'CRITICAL',
});
delete process.env.STATE_TABLE;
delete process.env._X_AMZN_TRACE_ID;
const { handler: publish } = await import('../../functions/publish/index.ts');
const { handler: bridge } = await import('../../functions/sqs-bridge/index.ts');
const { readBridgeConfig, toMessage } = await import('../../functions/sqs-bridge/bridge.ts');
const brokers = [stack.brokers['broker-a'].address, stack.brokers['broker-b'].address];
const reader = new RemotingClient();
const keyOf = (name: string) => `${name}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
const stored = async (key: string) => (await queryByKey(reader, brokers, 'TopicTest', key, { waitMs: 5000 }))!.properties;

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const TRACESTATE = 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE';
const XRAY = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

afterAll(async () => {
  await sharedEngine().close();
  reader.shutdown();
});

async function post(payload: object, headers: Record<string, string>) {
  const event = httpApiEvent('POST', '/topics/TopicTest/messages', JSON.stringify(payload), { 'content-type': 'application/json', ...headers });
  return (await publish(event, lambdaContext())) as APIGatewayProxyResult;
}

describe('trace context into message properties', () => {
  it('carries an HTTP request traceparent, tracestate and X-Ray header to the stored message', async () => {
    const key = keyOf('trace-http');

    const response = await post({ body: 'traced', keys: [key] }, { traceparent: TRACEPARENT, tracestate: TRACESTATE, 'x-amzn-trace-id': XRAY });

    expect(response.statusCode).toBe(200);
    const properties = await stored(key);
    expect([properties.get('traceparent'), properties.get('tracestate'), properties.get('AWSTraceHeader')]).toEqual([TRACEPARENT, TRACESTATE, XRAY]);
  });

  it('leaves out a malformed traceparent (and its tracestate) but still publishes, and lets the caller set its own', async () => {
    const [dropped, own] = [keyOf('trace-bad'), keyOf('trace-own')];

    const bad = await post({ body: 'x', keys: [dropped] }, { traceparent: '00-XYZ-00f067aa0ba902b7-01', tracestate: TRACESTATE });
    const mine = await post({ body: 'x', keys: [own], properties: { traceparent: 'the caller said so' } }, { traceparent: TRACEPARENT });

    expect([bad.statusCode, mine.statusCode]).toEqual([200, 200]);
    const [withoutTrace, withOwn] = [await stored(dropped), await stored(own)];
    expect([withoutTrace.has('traceparent'), withoutTrace.has('tracestate')]).toEqual([false, false]);
    expect(withOwn.get('traceparent')).toBe('the caller said so');
  });

  it('carries an SQS record AWSTraceHeader and traceparent attribute through the bridge', async () => {
    const key = keyOf('trace-sqs');
    const record = sqsRecord('bridged', { keys: key, traceparent: TRACEPARENT });
    record.attributes.AWSTraceHeader = XRAY;

    const response = (await bridge(sqsEvent([record]), lambdaContext())) as SQSBatchResponse;

    expect(response.batchItemFailures).toEqual([]);
    const properties = await stored(key);
    expect([properties.get('traceparent'), properties.get('AWSTraceHeader')]).toEqual([TRACEPARENT, XRAY]);
  });
});

describe('trace context rules', () => {
  const cases: [string, boolean][] = [
    [TRACEPARENT, true],
    ['00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01', false], // uppercase
    ['ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', false], // version ff
    ['00-00000000000000000000000000000000-00f067aa0ba902b7-01', false], // zero trace id
    ['00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', false], // zero parent id
    [`${TRACEPARENT}-extra`, false], // version 00 has four fields
    ['01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra', true], // a later version may add fields
  ];
  for (const [value, valid] of cases) it(`${valid ? 'accepts' : 'refuses'} traceparent ${value}`, () => expect(validTraceparent(value)).toBe(valid));

  it('keeps only an X-Ray header with a Root, of printable ASCII, of sane length', () => {
    expect(checkedContext({ xray: XRAY }).xray).toBe(XRAY);
    expect(checkedContext({ xray: 'Parent=53995c3f42cd8ad8' }).xray).toBeUndefined();
    expect(checkedContext({ xray: `${XRAY};x=${'a'.repeat(600)}` }).xray).toBeUndefined();
    expect(checkedContext({ tracestate: TRACESTATE }).tracestate).toBeUndefined(); // no traceparent
    expect(checkedContext({ traceparent: TRACEPARENT, tracestate: 'a=\u0000' })).toEqual({ traceparent: TRACEPARENT });
    expect(checkedContext({ traceparent: TRACEPARENT, tracestate: `a=${'b'.repeat(600)}` })).toEqual({ traceparent: TRACEPARENT });
  });

  it('puts a record traceparent under the configured name only, and falls back to the invocation X-Ray header', () => {
    const names = { traceparent: 'tp', tracestate: 'tracestate', xray: 'xray' };
    process.env._X_AMZN_TRACE_ID = XRAY;
    try {
      const { message } = toMessage(sqsRecord('x', { traceparent: TRACEPARENT }), readBridgeConfig({ TARGET_TOPIC: 'T' }), undefined, names);

      expect(message?.properties).toEqual({ tp: TRACEPARENT, xray: XRAY });
      expect(contextFromHeaders({}).xray).toBe(XRAY);
    } finally {
      delete process.env._X_AMZN_TRACE_ID;
    }
  });

  it('takes property names from the environment, "off" leaving a part out, and refuses unusable ones', () => {
    const base = { NAMESRV_ADDR: '127.0.0.1:9876', PRODUCER_GROUP: 'g' };
    const problem = (env: Record<string, string>) => {
      try {
        readConfig({ ...base, ...env });
        return undefined;
      } catch (err) {
        return err instanceof ConfigError ? err.variable : err;
      }
    };

    expect(readConfig({ ...base, TRACE_PROPERTY_XRAY: 'off', TRACE_PROPERTY_TRACEPARENT: 'tp' }).traceProperties).toEqual({
      traceparent: 'tp',
      tracestate: 'tracestate',
      xray: undefined,
    });
    expect(problem({ TRACE_PROPERTY_XRAY: 'UNIQ_KEY' })).toBe('TRACE_PROPERTY_XRAY');
    expect(problem({ TRACE_PROPERTY_TRACESTATE: 'a\u0001b' })).toBe('TRACE_PROPERTY_TRACESTATE');
    expect(problem({ TRACE_PROPERTY_XRAY: 'traceparent' })).toBe('TRACE_PROPERTY_XRAY');
  });
});
