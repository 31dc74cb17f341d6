// Turns a publish request into messages, checking everything before anything is sent.
//   POST /topics/{topic}/messages        JSON {body | bodyBase64, tags, keys, properties,
//                                         delayLevel | deliverAt, shardingKey, mode}
//                                         or a raw body with x-rocketmq-tags / -keys / -mode headers
//   POST /topics/{topic}/messages/batch  JSON {messages: [ same fields as above ]}
import type { Message } from '../../lib/message/message.ts';
import { RequestError, type HttpRequest } from '../../lib/lambda/http.ts';

export type Mode = 'sync' | 'async' | 'oneway';
export interface PublishRequest {
  kind: 'single' | 'batch';
  messages: Message[];
  mode: Mode;
}

const ROUTE = /^\/topics\/([^/]+)\/messages(\/batch)?\/?$/;
const FIELDS = new Set(['body', 'bodyBase64', 'tags', 'keys', 'properties', 'delayLevel', 'deliverAt', 'shardingKey', 'mode']);
const MODES = new Set<Mode>(['sync', 'async', 'oneway']);

function mode(value: unknown, field: string): Mode {
  if (value === undefined) return 'sync';
  if (!MODES.has(value as Mode)) throw new RequestError('INVALID_ARGUMENT', field, `${field} must be sync, async or oneway`);
  return value as Mode;
}

function fromJson(topic: string, raw: unknown, field: string): Message {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new RequestError('INVALID_ARGUMENT', field, `${field} must be a JSON object`);
  const input = raw as Record<string, unknown>;
  for (const key of Object.keys(input)) if (!FIELDS.has(key)) throw new RequestError('INVALID_ARGUMENT', `${field}.${key}`, `${key} is not a message field`);
  if ((input.body === undefined) === (input.bodyBase64 === undefined)) {
    throw new RequestError('INVALID_ARGUMENT', `${field}.body`, 'exactly one of body and bodyBase64 is required');
  }
  let body: string | Buffer;
  if (input.bodyBase64 !== undefined) {
    if (typeof input.bodyBase64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(input.bodyBase64)) {
      throw new RequestError('INVALID_ARGUMENT', `${field}.bodyBase64`, 'bodyBase64 must be base64 text');
    }
    body = Buffer.from(input.bodyBase64, 'base64');
  } else {
    body = typeof input.body === 'string' ? input.body : JSON.stringify(input.body);
  }
  const message: Message = { topic, body };
  // Types are checked here; content (separators, ranges, reserved names) by the producer, before I/O.
  if (input.tags !== undefined) message.tags = input.tags as string;
  if (input.keys !== undefined) message.keys = input.keys as string | string[];
  if (input.properties !== undefined) message.properties = input.properties as Record<string, string>;
  if (input.delayLevel !== undefined) message.delayLevel = input.delayLevel as number;
  if (input.deliverAt !== undefined) message.deliverAt = input.deliverAt as number;
  if (input.shardingKey !== undefined) message.shardingKey = input.shardingKey as string;
  return message;
}

export function parsePublishRequest(request: HttpRequest): PublishRequest {
  const match = ROUTE.exec(request.path);
  if (!match) throw new RequestError('NOT_FOUND', undefined, `no route for ${request.method} ${request.path}`, 404);
  if (request.method !== 'POST') throw new RequestError('METHOD_NOT_ALLOWED', undefined, 'use POST', 405);
  const topic = decodeURIComponent(match[1]!);
  const batch = match[2] !== undefined;
  const isJson = (request.headers['content-type'] ?? '').includes('application/json');

  if (!isJson) {
    if (batch) throw new RequestError('INVALID_ARGUMENT', 'content-type', 'a batch must be application/json');
    const message: Message = { topic, body: request.body };
    if (request.headers['x-rocketmq-tags']) message.tags = request.headers['x-rocketmq-tags'];
    if (request.headers['x-rocketmq-keys']) message.keys = request.headers['x-rocketmq-keys'].split(',').map((k) => k.trim());
    return { kind: 'single', messages: [message], mode: mode(request.headers['x-rocketmq-mode'], 'x-rocketmq-mode') };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body.toString('utf8'));
  } catch {
    throw new RequestError('INVALID_JSON', 'body', 'the request body is not valid JSON');
  }
  if (!batch) return { kind: 'single', messages: [fromJson(topic, parsed, 'message')], mode: mode((parsed as { mode?: unknown }).mode, 'mode') };
  const list = (parsed as { messages?: unknown }).messages;
  if (!Array.isArray(list) || list.length === 0) throw new RequestError('INVALID_ARGUMENT', 'messages', 'messages must be a non-empty array');
  const messages = list.map((m, i) => {
    const { mode: _ignored, ...rest } = (m ?? {}) as Record<string, unknown>;
    return fromJson(topic, rest, `messages[${i}]`);
  });
  return { kind: 'batch', messages, mode: 'sync' };
}
