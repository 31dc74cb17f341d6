// The message a caller sends, and the checks made before any I/O (Validators.checkMessage,
// checkTopic, Message.putUserProperty), plus our own: no separator characters anywhere a caller
// controls, or a caller could smuggle properties such as DELAY or TAGS onto the wire.
import { fieldError, invalidArgument as invalid } from '../errors.ts';
import { nameProblem } from '../rules.ts';
import { hasSeparator, RESERVED_PROPERTY_NAMES } from './properties.ts';
import { UNIQ_ID_PATTERN } from './uniq-id.ts';

export interface Message {
  topic: string;
  body: Buffer | Uint8Array | string;
  tags?: string;
  /** One key or several; joined with single spaces on the wire. */
  keys?: string | string[];
  properties?: Record<string, string>;
  /** Message.flag, an int for the application. */
  flag?: number;
  /** Delay level 1..18 (broker default 1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h). */
  delayLevel?: number;
  /** 5.x timer message: deliver at this epoch time in ms (TIMER_DELIVER_MS). */
  deliverAt?: number;
  /** 5.x timer message: deliver this many seconds after the broker stores it (TIMER_DELAY_SEC). */
  delaySeconds?: number;
  /** 5.x timer message: deliver this many ms after the broker stores it (TIMER_DELAY_MS; the broker's timer ticks in seconds). */
  delayMs?: number;
  /**
   * 5.4+ priority message: an integer >= 0 for a topic of message type PRIORITY; the broker puts
   * it on queue min(priority, queues - 1). Not with a delay, a sharding key or a transaction (the
   * broker would drop it silently), nor in a batch.
   */
  priority?: number;
  /**
   * 5.5+ lite topic: the sub-topic of a parent topic of message type LITE (1 to 64 of A-Z a-z 0-9 _ -;
   * the broker checks none of it and a "$" in it stops its dispatch). Not in a batch or a transaction.
   */
  liteTopic?: string;
  /** Ordered sends: messages with the same key go to the same queue. */
  shardingKey?: string;
  /** WAIT property; true unless set false. */
  waitStoreMsgOK?: boolean;
  /**
   * The message's UNIQ_KEY (its msgId), when the caller keeps one for a logical message across
   * sends: a copy sent again after an unknown outcome carries the same id, so consumers can drop
   * it (`stableMessageId` makes one). Java keeps a UNIQ_KEY already set the same way. Default: a
   * new one per send.
   */
  id?: string;
}

export const TOPIC_MAX_LENGTH = 127;
export const MAX_DELAY_LEVEL = 18;
/** TopicValidator.NOT_ALLOWED_SEND_TOPIC_SET */
const NOT_ALLOWED_SEND = new Set([
  'SCHEDULE_TOPIC_XXXX',
  'RMQ_SYS_TRANS_HALF_TOPIC',
  'RMQ_SYS_TRANS_OP_HALF_TOPIC',
  'TRANS_CHECK_MAX_TIME_TOPIC',
  'SELF_TEST_TOPIC',
  'OFFSET_MOVED_EVENT',
]);
/** System topics a producer has no business sending to (TopicValidator.SYSTEM_TOPIC_SET). */
const SYSTEM_TOPICS = new Set(['TBW102', 'BenchmarkTest', 'RMQ_SYS_TRACE_TOPIC', 'CHECKPOINT_TOPIC', ...NOT_ALLOWED_SEND]);

/** MESSAGE_ILLEGAL raised before sending: the body is over the size limit. */
export function tooLarge(field: string, size: number, limit: number, topic: string): never {
  throw fieldError('MESSAGE_ILLEGAL', field, `${size} bytes exceed maxMessageSize ${limit}`, { topic });
}

export function checkTopic(topic: unknown, field = 'topic'): asserts topic is string {
  const problem = nameProblem(topic, TOPIC_MAX_LENGTH);
  if (problem) invalid(field, problem);
  if (SYSTEM_TOPICS.has(topic as string) || (topic as string).startsWith('rmq_sys_')) invalid(field, `"${topic}" is a system topic`);
}

/** A UTF-16 surrogate without its pair has no UTF-8 form: encoding would replace it silently. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function checkText(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || value.trim() === '') invalid(field, 'must be a non-blank string');
  if (hasSeparator(value)) invalid(field, 'contains a \\u0001 or \\u0002 separator character');
  if (LONE_SURROGATE.test(value)) invalid(field, 'is not well-formed text (a lone UTF-16 surrogate)');
}

export function bodyBytes(body: Message['body']): Buffer {
  if (typeof body === 'string') {
    if (LONE_SURROGATE.test(body)) invalid('body', 'is not well-formed text (a lone UTF-16 surrogate); send bytes instead');
    return Buffer.from(body, 'utf8');
  }
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  invalid('body', 'must be a Buffer, Uint8Array or string');
}

const MESSAGE_FIELDS = new Set([
  'topic',
  'body',
  'tags',
  'keys',
  'properties',
  'flag',
  'delayLevel',
  'deliverAt',
  'delaySeconds',
  'delayMs',
  'priority',
  'liteTopic',
  'shardingKey',
  'waitStoreMsgOK',
  'id',
]);

/** The ways to delay a message; at most one per message. */
export const DELAY_FIELDS = ['delayLevel', 'deliverAt', 'delaySeconds', 'delayMs'] as const;
/** The delay fields that make a 5.x timer message (a delay level works on 4.x as well). */
export const TIMER_FIELDS = ['deliverAt', 'delaySeconds', 'delayMs'] as const;
/** Our rule for lite topic names: the broker checks none, and "$", "," or "%" break its dispatch. */
export const LITE_TOPIC_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** The delay field a message sets, if any. */
export function delayField(message: Message): (typeof DELAY_FIELDS)[number] | undefined {
  return DELAY_FIELDS.find((f) => message[f] !== undefined);
}

/** The broker's default timerMaxDelaySec (3 days): a later deliverAt is refused as MESSAGE_ILLEGAL. */
export const DEFAULT_TIMER_MAX_DELAY_MS = 259_200_000;

function checkDelay(message: Message, field: 'delaySeconds' | 'delayMs', unit: number, timerMaxDelayMs: number): void {
  const value = message[field];
  if (value === undefined) return;
  if (!Number.isSafeInteger(value) || value < 1) invalid(field, 'must be a whole number of at least 1');
  if (value * unit > timerMaxDelayMs) invalid(field, `is more than ${timerMaxDelayMs} ms (timerMaxDelayMs)`);
}

/**
 * Every check of a message's own fields before it may be sent; returns its body bytes. Sizes
 * (body after compression, encoded properties) are checked where the wire form is built.
 * Nothing is sent on failure.
 */
export function checkMessage(message: Message, timerMaxDelayMs = DEFAULT_TIMER_MAX_DELAY_MS, now = Date.now()): Buffer {
  if (!message || typeof message !== 'object') invalid('message', 'must be an object');
  // for-in and no arrays on the common path: this runs for every message sent.
  for (const key in message) if (Object.hasOwn(message, key) && !MESSAGE_FIELDS.has(key)) invalid(key, 'is not a message field');
  checkTopic(message.topic);
  if (message.body === undefined || message.body === null) invalid('body', 'is required');
  const body = bodyBytes(message.body);
  if (body.length === 0) invalid('body', 'is empty');
  if (message.tags !== undefined) checkText(message.tags, 'tags');
  if (Array.isArray(message.keys)) for (let i = 0; i < message.keys.length; i++) checkText(message.keys[i], `keys[${i}]`);
  else if (message.keys !== undefined) checkText(message.keys, 'keys[0]');
  if (message.properties !== undefined && (message.properties === null || typeof message.properties !== 'object' || Array.isArray(message.properties))) {
    invalid('properties', 'must be an object of string values');
  }
  const properties = message.properties as Record<string, string> | undefined;
  for (const name in properties) {
    if (!Object.hasOwn(properties, name)) continue;
    checkText(name, `properties.${name}`);
    checkText(properties[name], `properties.${name}`);
    if (RESERVED_PROPERTY_NAMES.has(name)) invalid(`properties.${name}`, 'is a reserved system property name');
  }
  if (message.flag !== undefined && (!Number.isInteger(message.flag) || message.flag < -(2 ** 31) || message.flag >= 2 ** 31)) {
    invalid('flag', 'must be an int32');
  }
  if (message.delayLevel !== undefined && (!Number.isInteger(message.delayLevel) || message.delayLevel < 1 || message.delayLevel > MAX_DELAY_LEVEL)) {
    invalid('delayLevel', `must be an integer from 1 to ${MAX_DELAY_LEVEL}`);
  }
  if (message.deliverAt !== undefined && !(Number.isSafeInteger(message.deliverAt) && message.deliverAt > 0)) {
    invalid('deliverAt', 'must be an epoch time in milliseconds');
  }
  if (message.deliverAt !== undefined && message.deliverAt - now > timerMaxDelayMs) {
    // HookUtils.checkIfTimerMessage: the broker refuses a delivery further out than timerMaxDelaySec.
    invalid('deliverAt', `is more than ${timerMaxDelayMs} ms (timerMaxDelayMs) from now`);
  }
  checkDelay(message, 'delaySeconds', 1000, timerMaxDelayMs);
  checkDelay(message, 'delayMs', 1, timerMaxDelayMs);
  // The broker honours one (a delay level silently wins over a timer): a second is refused, not dropped.
  let delay: (typeof DELAY_FIELDS)[number] | undefined;
  for (const field of DELAY_FIELDS) {
    if (message[field] === undefined) continue;
    if (delay) invalid(field, `cannot be combined with ${delay}`);
    delay = field;
  }
  if (message.priority !== undefined) {
    if (!Number.isSafeInteger(message.priority) || message.priority < 0 || message.priority >= 2 ** 31) {
      invalid('priority', 'must be an integer from 0 to 2147483647');
    }
    // SendMessageProcessor drops the priority of a delayed or ordered message without a word.
    if (delay) invalid('priority', `cannot be combined with ${delay}: the broker drops the priority of a delayed message`);
    if (message.shardingKey !== undefined) invalid('priority', 'cannot be combined with shardingKey: the broker drops the priority of an ordered message');
  }
  if (message.liteTopic !== undefined && (typeof message.liteTopic !== 'string' || !LITE_TOPIC_PATTERN.test(message.liteTopic))) {
    invalid('liteTopic', 'must be 1 to 64 characters of A-Z a-z 0-9 _ -');
  }
  if (message.shardingKey !== undefined) checkText(message.shardingKey, 'shardingKey');
  if (message.id !== undefined && (typeof message.id !== 'string' || !UNIQ_ID_PATTERN.test(message.id))) {
    invalid('id', 'must be a UNIQ_KEY: 32 or 56 upper-case hex characters');
  }
  return body;
}
