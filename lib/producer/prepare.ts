// Everything about a message that is decided once per send, before the first attempt: wire topic
// (namespace), properties (UNIQ_KEY included), compressed body and sysFlag. Retries reuse it, so
// a body is never compressed twice (sendKernelImpl restores the body for that reason).
import { deflateSync } from 'node:zlib';
import type { Message } from '../message/message.ts';
import { encodeProperties, Prop } from '../message/properties.ts';
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
}

export interface PrepareSettings {
  namespace: string | undefined;
  compressOver: number;
  compressLevel: number;
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
  const properties = new Map<string, string>(Object.entries(message.properties ?? {}));
  if (message.tags !== undefined) properties.set(Prop.TAGS, message.tags);
  if (message.keys !== undefined) properties.set(Prop.KEYS, Array.isArray(message.keys) ? message.keys.join(' ') : message.keys);
  properties.set(Prop.WAIT, message.waitStoreMsgOK === false ? 'false' : 'true');
  if (message.delayLevel !== undefined) properties.set(Prop.DELAY, String(message.delayLevel));
  if (message.deliverAt !== undefined) properties.set(Prop.TIMER_DELIVER_MS, String(message.deliverAt));
  if (message.shardingKey !== undefined) properties.set(Prop.SHARDING_KEY, message.shardingKey);
  if (settings.namespace) properties.set(Prop.INSTANCE_ID, settings.namespace);
  return properties;
}

export function prepareMessage(message: Message, body: Buffer, settings: PrepareSettings, extra?: Map<string, string>): PreparedMessage {
  const properties = messageProperties(message, settings);
  for (const [name, value] of extra ?? []) properties.set(name, value);
  const msgId = settings.uniqIds.next();
  properties.set(Prop.UNIQ_KEY, msgId);

  let sysFlag = 0;
  let wireBody = body;
  if (body.length >= settings.compressOver) {
    wireBody = deflateSync(body, { level: settings.compressLevel }); // zlib format, as Java's Deflater
    sysFlag |= SysFlag.COMPRESSED | SysFlag.COMPRESSION_ZLIB;
  }
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
  return {
    topic: message.topic,
    wireTopic,
    body: wireBody,
    sysFlag,
    flag: message.flag ?? 0,
    properties,
    propertiesText: encodeProperties(properties),
    msgId,
    reconsumeTimes,
    maxReconsumeTimes,
  };
}
