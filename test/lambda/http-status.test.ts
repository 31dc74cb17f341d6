// The HTTP status of every error code the publish function can meet, read from codes alone, and
// what a 5xx body keeps to itself. Pure functions: no service needed.
import { describe, expect, it } from 'vitest';
import { BrokerError, ClientError, ERROR_TABLE, errorResponse, rocketError, SendError, statusFor, type ErrorName } from '../../lib/internal.ts';

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
