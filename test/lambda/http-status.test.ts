// The HTTP status of every error code the publish function can meet, read from codes alone, and
// what a 5xx body keeps to itself. Pure functions: no service needed.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  BrokerError,
  ClientError,
  ConfigError,
  EDGE_ERROR_TABLE,
  ERROR_TABLE,
  errorResponse,
  invalidArgument,
  RequestError,
  rocketError,
  SendError,
  statusFor,
  withField,
  type ErrorName,
  type RocketMQError,
} from '../../lib/internal.ts';

const send = (name: ErrorName, timedOut = false) =>
  new SendError(ERROR_TABLE[name], 'detail', { attempts: 3, elapsedMs: 10, brokers: ['broker-a'], timedOut, topic: 'T' });

describe('HTTP status by code', () => {
  const cases: [string, Parameters<typeof statusFor>[0], number][] = [
    ['an invalid argument', rocketError('INVALID_ARGUMENT', 'x', { field: 'tags' }), 400],
    ['a body too large, refused before sending', rocketError('MESSAGE_ILLEGAL', 'x', { field: 'body' }), 413],
    ['a message the broker refused as illegal', new BrokerError(13, 'illegal'), 400],
    ['a reserved topic', rocketError('TOPIC_RESERVED', 'x', { field: 'topic' }), 403],
    ['a topic the broker does not hold', send('TOPIC_NOT_EXIST'), 404],
    ['no route for the topic', send('NOT_FOUND_TOPIC_EXCEPTION'), 404],
    ['a timeout', send('ACCESS_BROKER_TIMEOUT'), 504],
    ['the call-timeout outcome', send('SYSTEM_BUSY', true), 504],
    ['back-pressure', rocketError('TOO_MANY_REQUESTS'), 503],
    ['a closed client', rocketError('CLIENT_CLOSED'), 503],
    ['a retriable broker failure', send('SYSTEM_BUSY'), 503],
    ['refused credentials', new BrokerError(16, 'check signature failed.'), 502],
    ['a TLS misconfiguration', rocketError('TLS_HANDSHAKE_FAILED'), 502],
    ['transactions the cluster path cannot end (a 5.x Proxy)', rocketError('TRANSACTIONS_UNSUPPORTED'), 501],
    ['a broker error that no retry fixes', new BrokerError(9999, 'odd'), 502],
  ];
  for (const [what, error, status] of cases) {
    it(`answers ${status} for ${what}`, () => {
      expect(statusFor(error)).toBe(status);
      expect(errorResponse(error, 'req-1').statusCode).toBe(status);
    });
  }

  it('gives a 5xx the request id and keeps broker addresses and attempts out of it', () => {
    const response = errorResponse(new BrokerError(1, 'boom', { address: '10.0.0.7:10911', topic: 'T' }), 'req-1');
    const body = JSON.parse(response.body) as { error: Record<string, unknown> };

    expect(body.error.requestId).toBe('req-1');
    expect(response.body).not.toContain('10.0.0.7');
    expect(body.error).not.toHaveProperty('attempts');
  });

  it('answers 500 with the request id for what is no RocketMQ error (a defect of ours)', () => {
    const response = errorResponse(new TypeError('undefined is not a function'), 'req-2');

    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body).error).toEqual({ code: 'INTERNAL', message: 'internal error', requestId: 'req-2' });
    expect(new ClientError(ERROR_TABLE.INVALID_ARGUMENT, 'x').name).toBe('ClientError');
  });
});

describe('one error family at the edges', () => {
  const caught = (f: () => unknown) => {
    try {
      f();
    } catch (err) {
      return err as RocketMQError;
    }
    throw new Error('nothing thrown');
  };

  it('answers every edge code with the status of its table row, the field beside the detail', () => {
    for (const [code, row] of Object.entries(EDGE_ERROR_TABLE)) {
      const response = errorResponse(new RequestError(code as keyof typeof EDGE_ERROR_TABLE, 'where', 'what'), 'req-3');
      const body = JSON.parse(response.body).error;

      expect([code, response.statusCode]).toEqual([code, row.status]);
      expect(body).toMatchObject({ code, field: 'where', message: 'what' });
      expect('requestId' in body).toBe(row.status >= 500);
    }
    expect(new RequestError('METHOD_NOT_ALLOWED', undefined, 'use POST', { allow: 'POST' })).toMatchObject({ status: 405, message: 'use POST' });
  });

  it('keeps field and detail apart in a RocketMQError, so another name of the field needs no rewriting of text', () => {
    const err = caught(() => invalidArgument('tags', 'must not hold \\u0001', { topic: 'T' }));
    const renamed = withField(err, 'x-rocketmq-tags');

    expect([err.message, err.detail, err.context.field]).toEqual(['tags: must not hold \\u0001 (topic T)', 'must not hold \\u0001', 'tags']);
    expect([renamed.message, renamed.detail, renamed.context.field, renamed.code]).toEqual([
      'x-rocketmq-tags: must not hold \\u0001 (topic T)',
      'must not hold \\u0001',
      'x-rocketmq-tags',
      ERROR_TABLE.INVALID_ARGUMENT.code,
    ]);
    expect(JSON.parse(errorResponse(renamed).body).error).toMatchObject({ field: 'x-rocketmq-tags', message: 'must not hold \\u0001' });
  });

  it('makes a configuration error an edge error naming its variable', () => {
    const err = new ConfigError('ROCKETMQ_SECRET_KEY', 'secret prod/rocketmq holds no value', 'SECRET_UNREADABLE');

    expect([err.code, err.variable, err.field, err.detail, err.message]).toEqual([
      'SECRET_UNREADABLE',
      'ROCKETMQ_SECRET_KEY',
      'ROCKETMQ_SECRET_KEY',
      'secret prod/rocketmq holds no value',
      'ROCKETMQ_SECRET_KEY: secret prod/rocketmq holds no value',
    ]);
  });

  it('leaves no ad-hoc error code, plain Error or rewritten message in the functions, the adapter or the local server', () => {
    const root = join(import.meta.dirname, '..', '..');
    const files = (dir: string): string[] =>
      readdirSync(join(root, dir)).flatMap((name) => {
        const path = join(dir, name);
        return statSync(join(root, path)).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
      });
    const offending = ['functions', 'lib/lambda', 'infra/local/server.ts'].flatMap((dir) =>
      (dir.endsWith('.ts') ? [dir] : files(dir)).flatMap((file) => {
        const text = readFileSync(join(root, file), 'utf8');
        return [
          ...[...text.matchAll(/json\(\s*[45]\d\d\b/g)].map((m) => `${file}: ${m[0]}`),
          ...[...text.matchAll(/throw new Error\(/g)].map((m) => `${file}: ${m[0]}`),
          ...[...text.matchAll(/\.message\.replace\(/g)].map((m) => `${file}: ${m[0]}`),
        ];
      }),
    );
    expect(offending).toEqual([]);
  });
});
