// The HTTP API's routes, parsed from the path's segments (functions/shared/request.ts): which path
// is which route, one trailing slash allowed, no empty segment, "batch" the batch route and never a
// recall handle, and the method each route takes. Pure: nothing is sent.
import { describe, expect, it } from 'vitest';
import { parsePublishRequest } from '../../functions/shared/request.ts';
import type { HttpRequest } from '../../lib/lambda/http.ts';
import { topicPolicy } from '../../lib/internal.ts';

const policy = topicPolicy(['*']);
const parse = (method: string, path: string): string => {
  const request: HttpRequest = {
    method,
    path,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(path.includes('/batch') ? '{"messages":[{"body":"x"}]}' : '{"body":"x"}'),
  };
  try {
    const parsed = parsePublishRequest(request, policy);
    return parsed.kind === 'recall'
      ? `recall ${parsed.topic} ${parsed.recallHandle}`
      : parsed.kind === 'end'
        ? `end ${parsed.decision}`
        : `${parsed.kind} ${'topic' in parsed ? parsed.topic : ''}`;
  } catch (err) {
    return (err as { code: string }).code;
  }
};

const TX = 'A'.repeat(32);

describe('HTTP routes', () => {
  it.each([
    ['POST', '/topics/T/messages', 'single T'],
    ['POST', '/topics/T/messages/', 'single T'],
    ['POST', '/topics/T/messages//', 'NOT_FOUND'],
    ['POST', '/topics/T/messages/batch', 'batch T'],
    ['POST', '/topics/T/messages/batch/', 'batch T'],
    ['POST', '/topics/T/messages/batch//', 'NOT_FOUND'],
    ['DELETE', '/topics/T/messages/batch', 'METHOD_NOT_ALLOWED'],
    ['DELETE', '/topics/T/messages/Batch', 'recall T Batch'],
    ['POST', '/topics/T/transactions', 'begin T'],
    ['POST', '/topics/a%7Cb/messages', 'single a|b'],
    ['POST', `/transactions/${TX}/commit`, 'end COMMIT'],
    ['POST', `/transactions/${TX}/rollback/`, 'end ROLLBACK'],
    ['POST', `/transactions/${TX}/abort`, 'NOT_FOUND'],
    ['DELETE', '/topics/T/messages/aGFuZGxl', 'recall T aGFuZGxl'],
    ['DELETE', '/topics/T/messages/aGFuZGxl/', 'recall T aGFuZGxl'],
    ['POST', '/topics/T/messages/aGFuZGxl', 'METHOD_NOT_ALLOWED'],
    ['DELETE', '/topics/T/messages', 'METHOD_NOT_ALLOWED'],
    ['GET', '/topics/T/messages', 'METHOD_NOT_ALLOWED'],
    ['POST', '/topics//messages', 'NOT_FOUND'],
    ['POST', 'topics/T/messages', 'NOT_FOUND'],
    ['POST', '//topics/T/messages', 'NOT_FOUND'],
    ['POST', '/topics/T/transactions/x', 'NOT_FOUND'],
    ['POST', '/topics/T/messages/a/b', 'NOT_FOUND'],
    ['POST', '/Topics/T/messages', 'NOT_FOUND'],
    ['POST', '/', 'NOT_FOUND'],
    ['POST', '', 'NOT_FOUND'],
  ])('%s %j: %s', (method, path, expected) => {
    expect(parse(method, path)).toBe(expected);
  });
});
