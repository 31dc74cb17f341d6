// HTTP shapes shared by the publish function and the local server: API Gateway HTTP API (payload
// 2.0) and REST API (v1) events in, one response shape out, errors mapped to status codes by their
// stable code, never by message text or class name. A 4xx names what the caller got wrong; a 5xx
// gives the code and the request id, and leaves broker addresses and retries to the logs.
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, APIGatewayProxyResult } from 'aws-lambda';
import { ClientError, EdgeError, ERROR_TABLE, errorSpec, RequestError, RocketMQError, SendError } from '../errors.ts';

export { RequestError };

export interface HttpRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

export function isV2(event: APIGatewayProxyEventV2 | APIGatewayProxyEvent): event is APIGatewayProxyEventV2 {
  return (event as APIGatewayProxyEventV2).version === '2.0';
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function toHttpRequest(event: APIGatewayProxyEventV2 | APIGatewayProxyEvent): HttpRequest {
  if (!event || typeof event !== 'object') throw new RequestError('INVALID_EVENT', undefined, 'not an API Gateway event');
  const raw = typeof event.body === 'string' ? event.body : '';
  // A text body arrives as a JS string; one with lone surrogates has no UTF-8 form to store.
  if (!event.isBase64Encoded && LONE_SURROGATE.test(raw)) throw new RequestError('INVALID_BODY', 'body', 'the request body is not well-formed text');
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  const headers: Record<string, string> = {};
  const given = typeof event.headers === 'object' && event.headers !== null ? event.headers : {};
  for (const [name, value] of Object.entries(given)) if (typeof value === 'string') headers[name.toLowerCase()] = value;
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  if (isV2(event)) return { method: text(event.requestContext?.http?.method), path: text(event.rawPath), headers, body };
  return { method: text(event.httpMethod), path: text(event.path), headers, body };
}

export function json(statusCode: number, payload: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(payload) };
}

/** The HTTP status for a RocketMQ or client code: the caller's fault 4xx, ours or the cluster's 5xx. */
export function statusFor(err: RocketMQError): number {
  const clientSide = err.context.field !== undefined;
  switch (err.code) {
    case ERROR_TABLE.INVALID_ARGUMENT.code:
      return 400;
    case ERROR_TABLE.MESSAGE_ILLEGAL.code:
      return clientSide ? 413 : 400; // refused before sending (size), or by the broker
    case ERROR_TABLE.TOPIC_RESERVED.code:
      return 403;
    case ERROR_TABLE.NOT_FOUND_TOPIC_EXCEPTION.code:
    case ERROR_TABLE.TOPIC_NOT_EXIST.code:
      return 404;
    case ERROR_TABLE.ACCESS_BROKER_TIMEOUT.code:
      return 504;
    case ERROR_TABLE.TRANSACTIONS_UNSUPPORTED.code:
      return 501; // the deployment's cluster cannot do it, whatever the caller sends
    case ERROR_TABLE.UNSUPPORTED_BY_BROKER.code:
    case ERROR_TABLE.RECALL_DISABLED.code:
      return 422; // well-formed, but this cluster cannot do what it asks (a feature of a newer server, or one switched off)
    case ERROR_TABLE.RECALL_EXPIRED.code:
      return 410;
    case ERROR_TABLE.TOO_MANY_REQUESTS.code:
    case ERROR_TABLE.CLIENT_CLOSED.code:
    case ERROR_TABLE.NOT_STARTED.code:
      return 503;
    default:
      if (err instanceof SendError && err.timedOut) return 504;
      return err.retriable ? 503 : 502;
  }
}

/** The response for any error; `requestId` goes into every 5xx so a caller can quote it. */
export function errorResponse(err: unknown, requestId?: string): APIGatewayProxyResult {
  // A 4xx names the field at fault beside what is wrong with it (the detail), never inside it.
  if (err instanceof EdgeError) {
    const headers = err instanceof RequestError ? err.headers : {};
    const requestIdOf5xx = err.status >= 500 && requestId ? { requestId } : {};
    return json(err.status, { error: { code: err.code, ...(err.field ? { field: err.field } : {}), message: err.detail, ...requestIdOf5xx } }, headers);
  }
  if (err instanceof RocketMQError) {
    const status = statusFor(err);
    const field = err.context.field;
    // What the caller sent is theirs to see; what the cluster did (addresses, attempts) is not.
    // What the caller asked for and this client refused (a field, a feature the cluster lacks) is told in full.
    const told = status < 500 && (field !== undefined || err instanceof ClientError);
    const message = told ? err.detail : errorSpec(err.code).message + (err.context.topic ? ` (topic ${err.context.topic})` : '');
    return json(status, {
      error: {
        code: err.codeName,
        rocketmqCode: err.code,
        retriable: err.retriable,
        ...(field !== undefined ? { field } : {}),
        message,
        ...(status >= 500 && requestId ? { requestId } : {}),
      },
    });
  }
  return errorResponse(new EdgeError('INTERNAL', undefined), requestId);
}
