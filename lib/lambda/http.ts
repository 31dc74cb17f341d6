// HTTP shapes shared by the publish function and the local server: API Gateway HTTP API (payload
// 2.0) and REST API (v1) events in, one response shape out, errors mapped to status codes by their
// stable code, never by message text.
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, APIGatewayProxyResult } from 'aws-lambda';
import { ERROR_TABLE, RocketMQError, SendError } from '../errors.ts';

export interface HttpRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

export function isV2(event: APIGatewayProxyEventV2 | APIGatewayProxyEvent): event is APIGatewayProxyEventV2 {
  return (event as APIGatewayProxyEventV2).version === '2.0';
}

export function toHttpRequest(event: APIGatewayProxyEventV2 | APIGatewayProxyEvent): HttpRequest {
  const raw = event.body ?? '';
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers[name.toLowerCase()] = value;
  if (isV2(event)) return { method: event.requestContext.http.method, path: event.rawPath, headers, body };
  return { method: event.httpMethod, path: event.path, headers, body };
}

export function json(statusCode: number, payload: unknown): APIGatewayProxyResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) };
}

/** An error the request itself caused: 400 with a stable code and the field at fault. */
export class RequestError extends Error {
  override name = 'RequestError';
  constructor(
    readonly code: string,
    readonly field: string | undefined,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
  }
}

/** 400/404/413 for what the caller sent, 502/503/504 for what the brokers did. */
export function errorResponse(err: unknown): APIGatewayProxyResult {
  if (err instanceof RequestError) {
    return json(err.statusCode, { error: { code: err.code, ...(err.field ? { field: err.field } : {}), message: err.message } });
  }
  if (err instanceof RocketMQError) {
    const rocketmqCode = err.code;
    const body = (status: number) =>
      json(status, {
        error: {
          code: err.codeName,
          rocketmqCode,
          retriable: err.retriable,
          ...(err.context.field ? { field: err.context.field } : {}),
          ...(err instanceof SendError ? { attempts: err.attempts, brokers: err.brokers } : {}),
          message: err.message,
        },
      });
    if (err.context.field && rocketmqCode === ERROR_TABLE.MESSAGE_ILLEGAL.code && err.name === 'ClientError') return body(413);
    if (err.name === 'ClientError' && rocketmqCode === ERROR_TABLE.INVALID_ARGUMENT.code) return body(400);
    if (rocketmqCode === ERROR_TABLE.NOT_FOUND_TOPIC_EXCEPTION.code) return body(404);
    if ((err instanceof SendError && err.timedOut) || rocketmqCode === ERROR_TABLE.ACCESS_BROKER_TIMEOUT.code) return body(504);
    if (err.retriable) return body(503);
    return body(502);
  }
  return json(500, { error: { code: 'INTERNAL', message: 'internal error' } });
}
