// Serves the real function handlers over HTTP on localhost, invoked exactly as AWS would invoke
// them: API Gateway HTTP API 2.0 events for publish, SQS events for the bridge, EventBridge
// scheduled events for the refresh.
//   POST /topics/{topic}/messages[/batch]   -> publish handler (HTTP API 2.0 event)
//   POST /_local/sqs   {"messages":[{"body":"...","attributes":{"k":"v"},"groupId":"g"}]} -> bridge
//   POST /_local/refresh                                                                 -> refresh
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, maxHeaderSize, STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { APIGatewayProxyEventV2, APIGatewayProxyResult, Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { errorResponse, RequestError } from '../../lib/internal.ts';

type Handler<E, R> = (event: E, context: Context) => Promise<R>;

export interface LocalHandlers {
  publish: Handler<APIGatewayProxyEventV2, APIGatewayProxyResult>;
  bridge: Handler<SQSEvent, unknown>;
  refresh: Handler<Record<string, unknown>, unknown>;
}

const TIMEOUT_MS = 30_000;

/** A Lambda context as the runtime passes it, with `remainingMs` left from now. */
export function lambdaContext(remainingMs = TIMEOUT_MS): Context {
  const started = Date.now();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'local',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:local',
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/local',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => remainingMs - (Date.now() - started),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const TEXT = /^(text\/|application\/(json|xml|x-www-form-urlencoded)|application\/[^/;]+\+json)/i;

function isUtf8(body: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(body);
    return true;
  } catch {
    return false;
  }
}

function httpApiEvent(req: IncomingMessage, body: Buffer): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  // As API Gateway does for binary media types; bytes that are not UTF-8 go as base64 too, so a
  // raw body reaches the handler byte for byte.
  const binary = body.length > 0 && (!TEXT.test(headers['content-type'] ?? '') || !isUtf8(body));
  return {
    version: '2.0',
    routeKey: `${req.method} ${url.pathname}`,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: `${req.method} ${url.pathname}`,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    isBase64Encoded: binary,
    ...(body.length > 0 ? { body: binary ? body.toString('base64') : body.toString('utf8') } : {}),
  };
}

interface LocalMessage {
  body: string;
  attributes?: Record<string, string>;
  groupId?: string;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function parseSqsInput(body: Buffer): { Records: unknown[] } | { messages: LocalMessage[] } {
  let input: unknown;
  try {
    input = JSON.parse(body.toString('utf8'));
  } catch {
    throw new RequestError('INVALID_JSON', undefined);
  }
  if (isObject(input) && Array.isArray(input.Records)) {
    input.Records.forEach((record, i) => {
      if (!isObject(record) || typeof record.messageId !== 'string' || record.messageId === '' || typeof record.body !== 'string') {
        throw new RequestError('INVALID_EVENT', `Records[${i}]`, `needs a messageId and a body (strings)`);
      }
    });
    return { Records: input.Records };
  }
  if (!isObject(input) || !Array.isArray(input.messages) || input.messages.length === 0) {
    throw new RequestError(
      'INVALID_EVENT',
      undefined,
      'send {"messages":[{"body":"...","attributes":{...},"groupId":"..."}]} or a full SQS event {"Records":[...]}',
    );
  }
  input.messages.forEach((m, i) => {
    const ok =
      isObject(m) &&
      typeof m.body === 'string' &&
      (m.attributes === undefined || (isObject(m.attributes) && Object.values(m.attributes).every((v) => typeof v === 'string'))) &&
      (m.groupId === undefined || (typeof m.groupId === 'string' && m.groupId !== ''));
    if (!ok) throw new RequestError('INVALID_EVENT', `messages[${i}]`, `needs a body string, attributes of strings and an optional groupId string`);
  });
  return { messages: input.messages as LocalMessage[] };
}

export function sqsEvent(body: Buffer): SQSEvent {
  const input = parseSqsInput(body);
  if ('Records' in input) return { Records: input.Records as SQSRecord[] };
  return {
    Records: input.messages.map((m, i) => ({
      messageId: randomUUID(),
      receiptHandle: randomUUID(),
      body: m.body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
        ...(m.groupId ? { MessageGroupId: m.groupId, SequenceNumber: String(i) } : {}),
      },
      messageAttributes: Object.fromEntries(Object.entries(m.attributes ?? {}).map(([k, v]) => [k, { stringValue: v, dataType: 'String' }])),
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:local:000000000000:${m.groupId ? 'local.fifo' : 'local'}`,
      awsRegion: 'local',
    })) as SQSRecord[],
  };
}

/**
 * What to answer a request Node's parser refused before any handler saw it. A request line and
 * headers over maxHeaderSize (16 KB) are HPE_HEADER_OVERFLOW: 414 when the request line alone
 * passes the limit (the packet starts with it and no line break comes within the limit), 431 when
 * the headers do. A request that did not arrive in time is 408, anything else 400.
 */
function refusedRequest(err: Error & { code?: string; rawPacket?: Buffer }): RequestError {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return new RequestError('REQUEST_TIMEOUT', undefined);
  if (err.code !== 'HPE_HEADER_OVERFLOW') return new RequestError('BAD_REQUEST', undefined);
  const packet = err.rawPacket;
  const lineBreak = packet?.indexOf('\r\n') ?? -1;
  const startsWithRequestLine = packet !== undefined && /^[A-Z]+ /.test(packet.subarray(0, 16).toString('latin1'));
  if (startsWithRequestLine && (lineBreak === -1 || lineBreak > maxHeaderSize)) {
    return new RequestError('URI_TOO_LONG', undefined, `the request line is longer than ${maxHeaderSize} bytes`);
  }
  return new RequestError('HEADERS_TOO_LARGE', undefined, `the request line and headers are longer than ${maxHeaderSize} bytes`);
}

/**
 * Answers what the parser refused, then reads and drops the rest of the request until the client
 * closes: closing with its bytes unread would reset the connection, and the client would see the
 * reset instead of the answer.
 */
function answerRefused(answered: WeakSet<Duplex>, err: Error & { code?: string }, socket: Duplex): void {
  if (answered.has(socket)) return; // the parser goes on failing on the rest of the request
  answered.add(socket);
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const { statusCode, body } = errorResponse(refusedRequest(err));
  socket.end(
    `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
  setTimeout(() => socket.destroy(), 5000).unref();
}

export function createLocalServer(handlers: LocalHandlers): Server {
  const answered = new WeakSet<Duplex>();
  const server = createServer(async (req, res) => {
    const send = (status: number, headers: Record<string, string>, body: string) => {
      res.writeHead(status, headers);
      res.end(body);
    };
    try {
      const body = await readBody(req);
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (path === '/_local/sqs') {
        send(200, { 'content-type': 'application/json' }, JSON.stringify(await handlers.bridge(sqsEvent(body), lambdaContext())));
      } else if (path === '/_local/refresh') {
        const event = { version: '0', id: randomUUID(), 'detail-type': 'Scheduled Event', source: 'aws.events', time: new Date().toISOString(), detail: {} };
        send(200, { 'content-type': 'application/json' }, JSON.stringify(await handlers.refresh(event, lambdaContext())));
      } else {
        const result = await handlers.publish(httpApiEvent(req, body), lambdaContext());
        const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)]));
        send(result.statusCode, headers, result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString() : result.body);
      }
    } catch (err) {
      // A handler that throws is a defect of ours; its details belong in the log, not the answer.
      if (!(err instanceof RequestError)) process.stderr.write(`local server: ${(err as Error).stack ?? String(err)}\n`);
      const answer = errorResponse(err);
      send(answer.statusCode, { 'content-type': 'application/json' }, answer.body);
    }
  });
  server.on('clientError', (err: Error, socket: Duplex) => answerRefused(answered, err, socket));
  return server;
}
