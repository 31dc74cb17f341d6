// Everything about a message that is decided once per send, before the first attempt: wire topic
// (namespace), properties (UNIQ_KEY included), compressed body and sysFlag. Retries reuse it, so
// a body is never compressed twice (sendKernelImpl restores the body for that reason). Sizes are
// checked here, on the wire form: the body after compression, the properties as encoded.
import { deflateSync } from 'node:zlib';
import { requirementOf, type Requirement } from './broker-features.ts';
import { invalidArgument } from '../errors.ts';
import { tooLarge, type Message } from '../message/message.ts';
import { encodeProperties, MAX_PROPERTIES_BYTES, Prop } from '../message/properties.ts';
import type { UniqIdGenerator } from '../message/uniq-id.ts';

/** MessageSysFlag */
export const SysFlag = {
  COMPRESSED: 0x1,
  TRANSACTION_PREPARED: 0x4,
  COMPRESSION_ZLIB: 0x300,
} as const;

export const RETRY_PREFIX = '%RETRY%';
export const DLQ_PREFIX = '%DLQ%';

export interface PreparedMessage {
  /** As the caller named it. */
  topic: string;
  /** As sent: with the namespace. */
  wireTopic: string;
  body: Buffer;
  sysFlag: number;
  flag: number;
  properties: Map<string, string>;
  propertiesText: string;
  msgId: string;
  reconsumeTimes: number;
  maxReconsumeTimes: number | undefined;
  /** The broker version a feature of the message needs (a timer, a priority, a lite topic); checked before it is sent. */
  requirement: Requirement | undefined;
}

export interface PrepareSettings {
  namespace: string | undefined;
  compressOver: number;
  compressLevel: number;
  /** The broker's limit on a request body: a single message after compression, a whole batch. */
  maxMessageSize: number;
  timerMaxDelayMs: number;
  uniqIds: UniqIdGenerator;
}

/** NamespaceUtil.wrapNamespace: "ns%topic", retry and DLQ topics as "%RETRY%ns%group". */
export function wrapNamespace(namespace: string | undefined, topic: string): string {
  if (!namespace) return topic;
  for (const prefix of [RETRY_PREFIX, DLQ_PREFIX]) {
    if (topic.startsWith(prefix)) {
      const rest = topic.slice(prefix.length);
      return rest.startsWith(`${namespace}%`) ? topic : `${prefix}${namespace}%${rest}`;
    }
  }
  return topic.startsWith(`${namespace}%`) ? topic : `${namespace}%${topic}`;
}

export function unwrapNamespace(namespace: string | undefined, topic: string): string {
  if (!namespace) return topic;
  return topic.replace(`${namespace}%`, '');
}

export function messageProperties(message: Message, settings: { namespace: string | undefined }): Map<string, string> {
  const properties = message.properties === undefined ? new Map<string, string>() : new Map<string, string>(Object.entries(message.properties));
  if (message.tags !== undefined) properties.set(Prop.TAGS, message.tags);
  if (message.keys !== undefined) properties.set(Prop.KEYS, Array.isArray(message.keys) ? message.keys.join(' ') : message.keys);
  properties.set(Prop.WAIT, message.waitStoreMsgOK === false ? 'false' : 'true');
  if (message.delayLevel !== undefined) properties.set(Prop.DELAY, String(message.delayLevel));
  if (message.deliverAt !== undefined) properties.set(Prop.TIMER_DELIVER_MS, String(message.deliverAt));
  // As given, like Java's setDelayTimeSec / setDelayTimeMs: the broker counts from its own clock.
  if (message.delaySeconds !== undefined) properties.set(Prop.TIMER_DELAY_SEC, String(message.delaySeconds));
  if (message.delayMs !== undefined) properties.set(Prop.TIMER_DELAY_MS, String(message.delayMs));
  if (message.priority !== undefined) properties.set(Prop.PRIORITY, String(message.priority));
  if (message.liteTopic !== undefined) properties.set(Prop.LITE_TOPIC, message.liteTopic);
  if (message.shardingKey !== undefined) properties.set(Prop.SHARDING_KEY, message.shardingKey);
  if (settings.namespace) properties.set(Prop.INSTANCE_ID, settings.namespace);
  return properties;
}

/**
 * The broker refuses a message whose stored properties pass 32767 bytes (after adding its own),
 * as MESSAGE_ILLEGAL for a single send, and a batch entry cannot even encode them. Refused here,
 * naming the biggest of the caller's contributions.
 */
export function checkPropertiesSize(message: Message, propertiesText: string): void {
  // A UTF-16 unit is at most 3 UTF-8 bytes: most messages' properties need no count.
  if (propertiesText.length * 3 <= MAX_PROPERTIES_BYTES) return;
  const size = Buffer.byteLength(propertiesText, 'utf8');
  if (size <= MAX_PROPERTIES_BYTES) return;
  const bytes = (text: string | undefined) => (text === undefined ? 0 : Buffer.byteLength(text, 'utf8'));
  const keys = message.keys === undefined ? '' : Array.isArray(message.keys) ? message.keys.join(' ') : message.keys;
  const user = Object.entries(message.properties ?? {}).reduce((n, [k, v]) => n + bytes(k) + bytes(v) + 2, 0);
  const parts: [string, number][] = [
    ['properties', user],
    ['keys', bytes(keys)],
    ['tags', bytes(message.tags)],
  ];
  const field = parts.reduce((a, b) => (b[1] > a[1] ? b : a))[0];
  invalidArgument(
    field,
    `tags, keys and properties encode to ${size} bytes, over the ${MAX_PROPERTIES_BYTES} a message may carry ` +
      '(the broker stores at most 32767 bytes of properties, its own included)',
    { topic: message.topic },
  );
}

export function prepareMessage(message: Message, body: Buffer, settings: PrepareSettings, extra?: Map<string, string>): PreparedMessage {
  const properties = messageProperties(message, settings);
  for (const [name, value] of extra ?? []) properties.set(name, value);
  const msgId = message.id ?? settings.uniqIds.next();
  properties.set(Prop.UNIQ_KEY, msgId);

  let sysFlag = 0;
  let wireBody = body;
  if (body.length >= settings.compressOver) {
    const compressed = deflateSync(body, { level: settings.compressLevel }); // zlib format, as Java's Deflater
    // An incompressible body grows a little; then it goes as it is (tryToCompressMessage's caller
    // keeps the original when compression does not pay).
    if (compressed.length < body.length) {
      wireBody = compressed;
      sysFlag |= SysFlag.COMPRESSED | SysFlag.COMPRESSION_ZLIB;
    }
  }
  // The broker's limit applies to what it receives: checked after compression, not before.
  if (wireBody.length > settings.maxMessageSize) tooLarge('body', wireBody.length, settings.maxMessageSize, message.topic);
  if (properties.get(Prop.TRAN_MSG) === 'true') sysFlag |= SysFlag.TRANSACTION_PREPARED;

  const wireTopic = wrapNamespace(settings.namespace, message.topic);
  let reconsumeTimes = 0;
  let maxReconsumeTimes: number | undefined;
  if (wireTopic.startsWith(RETRY_PREFIX)) {
    // Retry topics carry these in the header, not in the properties.
    const reconsume = properties.get(Prop.RECONSUME_TIME);
    if (reconsume !== undefined) {
      reconsumeTimes = Number(reconsume);
      properties.delete(Prop.RECONSUME_TIME);
    }
    const max = properties.get(Prop.MAX_RECONSUME_TIMES);
    if (max !== undefined) {
      maxReconsumeTimes = Number(max);
      properties.delete(Prop.MAX_RECONSUME_TIMES);
    }
  }
  const propertiesText = encodeProperties(properties);
  checkPropertiesSize(message, propertiesText);
  return {
    requirement: requirementOf(properties),
    topic: message.topic,
    wireTopic,
    body: wireBody,
    sysFlag,
    flag: message.flag ?? 0,
    properties,
    propertiesText,
    msgId,
    reconsumeTimes,
    maxReconsumeTimes,
  };
}
