// Turns a publish request into messages, checking everything before anything is sent.
//   POST /topics/{topic}/messages        JSON {body | bodyBase64, tags, keys, properties,
//                                         delayLevel | deliverAt, shardingKey, mode}
//                                         or a raw body with x-rocketmq-tags / -keys / -mode headers
//   POST /topics/{topic}/messages/batch  JSON {messages: [ same fields as above, without mode ]}
//   POST /topics/{topic}/transactions    JSON {body | bodyBase64, tags, keys, properties,
//                                         shardingKey, timeoutSeconds}: a half message
//   POST /transactions/{id}/commit|rollback
// JSON means a media type of application/json or application/*+json (any case, parameters
// allowed); any other media type is a raw body, stored byte for byte; no media type at all is
// refused (415), because guessing would publish a JSON envelope as a raw body. Error fields are
// paths in the request body: "tags", "keys[1]", "messages[3].body"; or the header at fault.
import { checkTopic, type Message } from '../../lib/index.ts';
import { RequestError, type HttpRequest, type TopicPolicy } from '../../lib/lambda/functions-kit.ts';

export type Mode = 'sync' | 'async' | 'oneway';
export type PublishRequest =
  | {
      kind: 'single' | 'batch';
      topic: string;
      messages: Message[];
      mode: Mode;
      /** Raw bodies take tags and keys from headers: errors about them name the header. */
      raw: boolean;
      /** The Idempotency-Key header's key, when the request carries one. */
      idempotencyKey?: string;
      /** The ids the key gave its messages in the previous hour, where a retry looks for them too. */
      previousIds?: string[];
    }
  | { kind: 'begin'; topic: string; message: Message; timeoutSeconds: number | undefined; raw: false }
  | { kind: 'end'; transactionId: string; decision: 'COMMIT' | 'ROLLBACK'; raw: false }
  | { kind: 'recall'; topic: string; recallHandle: string; raw: false };

type Route =
  /** POST /topics/{topic}/messages, .../messages/batch, .../transactions */
  | { kind: 'topic'; topic: string; action: 'messages' | 'messages/batch' | 'transactions' }
  /** POST /transactions/{transactionId}/commit or .../rollback */
  | { kind: 'end'; transactionId: string; decision: 'commit' | 'rollback' }
  /** DELETE /topics/{topic}/messages/{recallHandle}: recalls a timer message (a handle is base64url, never "/"). */
  | { kind: 'recall'; topic: string; recallHandle: string };

/**
 * The route of a path: its segments, one trailing "/" allowed, none empty; undefined when there is
 * none. String work rather than regular expressions: V8 compiles a regular expression to native
 * code on its second run, and with the init phase's warm-up that second run is the first event's.
 */
function route(path: string): Route | undefined {
  const parts = (path.endsWith('/') ? path.slice(0, -1) : path).split('/');
  if (parts[0] !== '' || parts.length < 4 || parts.length > 5) return undefined;
  for (let i = 1; i < parts.length; i++) if (parts[i] === '') return undefined;
  const [, root, id, action, last] = parts as [string, string, string, string, string | undefined];
  if (root === 'topics' && action === 'messages' && last !== undefined) {
    // "batch" is the batch route, as it always was, not a recall handle.
    return last === 'batch' ? { kind: 'topic', topic: id, action: 'messages/batch' } : { kind: 'recall', topic: id, recallHandle: last };
  }
  if (last !== undefined) return undefined;
  if (root === 'topics' && (action === 'messages' || action === 'transactions')) return { kind: 'topic', topic: id, action };
  if (root === 'transactions' && (action === 'commit' || action === 'rollback')) return { kind: 'end', transactionId: id, decision: action };
  return undefined;
}
/** A transaction id is the half message's UNIQ_KEY: uppercase hex, 32 (IPv4) or 56 (IPv6) digits. */
const TRANSACTION_ID = /^[0-9A-F]{32}([0-9A-F]{24})?$/;
const TX_FIELDS = new Set(['body', 'bodyBase64', 'tags', 'keys', 'properties', 'shardingKey', 'timeoutSeconds']);
/** A transaction left open longer than the broker checks it (about 7 minutes) is discarded by it. */
export const MAX_TRANSACTION_TIMEOUT_SECONDS = 300;
/** What a message takes besides its body, checked by the producer under the same names. */
const MESSAGE_OPTIONS = ['tags', 'keys', 'properties', 'delayLevel', 'deliverAt', 'delaySeconds', 'delayMs', 'priority', 'liteTopic', 'shardingKey'] as const;
const FIELDS = new Set(['body', 'bodyBase64', ...MESSAGE_OPTIONS, 'mode']);
const MODES = new Set<Mode>(['sync', 'async', 'oneway']);
/** Deeper JSON than this is refused before parsing (a body object is re-serialized, recursively). */
export const MAX_JSON_DEPTH = 64;
/** Padded base64 (a plain character class: linear on multi-megabyte input). */
const isBase64 = (text: string): boolean => text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);

const invalid = (field: string | undefined, message: string) => new RequestError('INVALID_ARGUMENT', field, message);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function mode(value: unknown, field: string): Mode {
  if (value === undefined) return 'sync';
  if (!MODES.has(value as Mode)) throw invalid(field, `${field} must be sync, async or oneway`);
  return value as Mode;
}

/** "Application/JSON; charset=utf-8" -> { type: "application/json", charset: "utf-8" }. */
export function mediaType(header: string | undefined): { type: string; charset: string | undefined } | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const [type, ...parameters] = header.split(';');
  const charset = parameters.map((p) => p.trim().split('=')).find(([name]) => name?.trim().toLowerCase() === 'charset')?.[1];
  return { type: type!.trim().toLowerCase(), charset: charset?.trim().replace(/^"|"$/g, '').toLowerCase() };
}

export const isJsonType = (type: string): boolean => type === 'application/json' || /^application\/[^/]+\+json$/.test(type);

/** Nesting depth of a JSON text, counted without parsing (brackets outside strings). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

function parseJson(body: Buffer, charset: string | undefined): unknown {
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new RequestError('UNSUPPORTED_MEDIA_TYPE', 'content-type', 'JSON must be UTF-8');
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new RequestError('INVALID_JSON', undefined, 'the request body is not UTF-8');
  }
  if (jsonDepth(text) > MAX_JSON_DEPTH) throw new RequestError('INVALID_JSON', undefined, `the request body nests deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(text);
  } catch {
    throw new RequestError('INVALID_JSON', undefined, 'the request body is not valid JSON');
  }
}

/** One message from its JSON form; `at` prefixes field names ("" or "messages[2]."). */
function fromJson(topic: string, input: unknown, at: string, fields: ReadonlySet<string>): Message {
  if (!isObject(input)) throw invalid(at ? at.slice(0, -1) : undefined, `${at ? at.slice(0, -1) : 'the request body'} must be a JSON object`);
  for (const key of Object.keys(input)) if (!fields.has(key)) throw invalid(`${at}${key}`, `${key} is not a message field`);
  if ((input.body === undefined) === (input.bodyBase64 === undefined)) throw invalid(`${at}body`, 'exactly one of body and bodyBase64 is required');
  let body: string | Buffer;
  if (input.bodyBase64 !== undefined) {
    if (typeof input.bodyBase64 !== 'string' || !isBase64(input.bodyBase64)) throw invalid(`${at}bodyBase64`, 'bodyBase64 must be padded base64 text');
    body = Buffer.from(input.bodyBase64, 'base64');
  } else if (typeof input.body === 'string') {
    body = input.body;
  } else if (isObject(input.body)) {
    body = JSON.stringify(input.body); // stored as compact JSON text, keys in the order sent
  } else {
    throw invalid(`${at}body`, 'body must be a string or a JSON object; send other values as text or bodyBase64');
  }
  const message: Message = { topic, body };
  // Types and content (separators, ranges, reserved names) are checked by the producer, before I/O,
  // under the same field names.
  for (const name of MESSAGE_OPTIONS) {
    if (input[name] !== undefined) (message as unknown as Record<string, unknown>)[name] = input[name];
  }
  return message;
}

function pathTopic(encoded: string, policy: TopicPolicy): string {
  let topic: string;
  try {
    topic = decodeURIComponent(encoded);
  } catch {
    throw invalid('topic', 'the topic in the path is not valid percent-encoding');
  }
  checkTopic(topic);
  const refusal = policy.refusal(topic);
  if (refusal) throw new RequestError(refusal.code, 'topic', refusal.message);
  return topic;
}

export function parsePublishRequest(request: HttpRequest, policy: TopicPolicy): PublishRequest {
  const found = route(request.path);
  if (found?.kind === 'recall') {
    if (request.method !== 'DELETE') throw new RequestError('METHOD_NOT_ALLOWED', undefined, 'use DELETE to recall a message', { allow: 'DELETE' });
    // The handle is checked by the producer (shape, topic, time) before anything is sent.
    return { kind: 'recall', topic: pathTopic(found.topic, policy), recallHandle: found.recallHandle, raw: false };
  }
  if (!found) throw new RequestError('NOT_FOUND', undefined, `no route for ${request.path}`);
  if (request.method !== 'POST') throw new RequestError('METHOD_NOT_ALLOWED', undefined, 'use POST', { allow: 'POST' });
  if (found.kind === 'end') {
    const { transactionId } = found;
    if (!TRANSACTION_ID.test(transactionId)) throw invalid('transactionId', 'is not a transaction id (32 or 56 uppercase hex digits)');
    return { kind: 'end', transactionId, decision: found.decision === 'commit' ? 'COMMIT' : 'ROLLBACK', raw: false };
  }
  const topic = pathTopic(found.topic, policy);
  const batch = found.action === 'messages/batch';
  const transaction = found.action === 'transactions';
  const media = mediaType(request.headers['content-type']);
  if (!media) {
    throw new RequestError(
      'UNSUPPORTED_MEDIA_TYPE',
      'content-type',
      'set content-type: application/json for the JSON form, or the type of a raw body (e.g. application/octet-stream)',
    );
  }

  if (!isJsonType(media.type)) {
    if (batch || transaction) throw new RequestError('UNSUPPORTED_MEDIA_TYPE', 'content-type', `a ${batch ? 'batch' : 'transaction'} must be application/json`);
    const message: Message = { topic, body: request.body };
    const tags = request.headers['x-rocketmq-tags'];
    const keys = request.headers['x-rocketmq-keys'];
    if (tags !== undefined) message.tags = tags;
    if (keys !== undefined)
      message.keys = keys
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean);
    return { kind: 'single', topic, messages: [message], mode: mode(request.headers['x-rocketmq-mode'], 'x-rocketmq-mode'), raw: true };
  }
  const parsed = parseJson(request.body, media.charset);
  if (transaction) {
    const message = fromJson(topic, parsed, '', TX_FIELDS);
    const timeout = (parsed as { timeoutSeconds?: unknown }).timeoutSeconds;
    if (timeout !== undefined && !(Number.isInteger(timeout) && (timeout as number) >= 1 && (timeout as number) <= MAX_TRANSACTION_TIMEOUT_SECONDS)) {
      throw invalid('timeoutSeconds', `timeoutSeconds must be an integer from 1 to ${MAX_TRANSACTION_TIMEOUT_SECONDS}`);
    }
    return { kind: 'begin', topic, message, timeoutSeconds: timeout as number | undefined, raw: false };
  }
  if (!batch) {
    const message = fromJson(topic, parsed, '', FIELDS);
    return { kind: 'single', topic, messages: [message], mode: mode((parsed as { mode?: unknown }).mode, 'mode'), raw: false };
  }
  if (!isObject(parsed)) throw invalid(undefined, 'the request body must be a JSON object with "messages"');
  for (const key of Object.keys(parsed)) if (key !== 'messages') throw invalid(key, `${key} is not a field of a batch request`);
  const list = parsed.messages;
  if (!Array.isArray(list) || list.length === 0) throw invalid('messages', 'messages must be a non-empty array');
  const batchFields = new Set([...FIELDS].filter((f) => f !== 'mode'));
  return { kind: 'batch', topic, messages: list.map((m, i) => fromJson(topic, m, `messages[${i}].`, batchFields)), mode: 'sync', raw: false };
}

/** A producer error about a raw request's tags or keys names the header they came from. */
export function rawField(field: string): string {
  if (field === 'tags') return 'x-rocketmq-tags';
  if (field === 'keys' || field.startsWith('keys[')) return 'x-rocketmq-keys';
  return field;
}
