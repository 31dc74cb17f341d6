// Message properties on the wire (MessageDecoder.messageProperties2String / string2messageProperties):
// every pair is name \u0001 value \u0002, the last one included. Property names of MessageConst.

export const NAME_VALUE_SEPARATOR = '\u0001';
export const PROPERTY_SEPARATOR = '\u0002';

export const Prop = {
  KEYS: 'KEYS',
  TAGS: 'TAGS',
  WAIT: 'WAIT',
  DELAY: 'DELAY',
  TIMER_DELIVER_MS: 'TIMER_DELIVER_MS',
  TIMER_DELAY_SEC: 'TIMER_DELAY_SEC',
  TIMER_DELAY_MS: 'TIMER_DELAY_MS',
  UNIQ_KEY: 'UNIQ_KEY',
  TRAN_MSG: 'TRAN_MSG',
  PGROUP: 'PGROUP',
  SHARDING_KEY: '__SHARDINGKEY',
  /** 5.4+: which priority queue of a PRIORITY topic (MessageConst.PROPERTY_PRIORITY). */
  PRIORITY: '_SYS_MSG_PRIORITY_',
  /** 5.5+: the lite topic under a LITE parent topic (MessageConst.PROPERTY_LITE_TOPIC). */
  LITE_TOPIC: '__LITE_TOPIC',
  INSTANCE_ID: 'INSTANCE_ID',
  RECONSUME_TIME: 'RECONSUME_TIME',
  MAX_RECONSUME_TIMES: 'MAX_RECONSUME_TIMES',
  MSG_REGION: 'MSG_REGION',
  TRACE_ON: 'TRACE_ON',
} as const;

/** Names a user property may not take (MessageConst.STRING_HASH_SET and the 5.x timer names). */
export const RESERVED_PROPERTY_NAMES: ReadonlySet<string> = new Set([
  'KEYS',
  'TAGS',
  'WAIT',
  'DELAY',
  'RETRY_TOPIC',
  'REAL_TOPIC',
  'REAL_QID',
  'TRAN_MSG',
  'PGROUP',
  'MIN_OFFSET',
  'MAX_OFFSET',
  'BUYER_ID',
  'ORIGIN_MESSAGE_ID',
  'TRANSFER_FLAG',
  'CORRECTION_FLAG',
  'MQ2_FLAG',
  'RECONSUME_TIME',
  'MSG_REGION',
  'TRACE_ON',
  'UNIQ_KEY',
  'MAX_RECONSUME_TIMES',
  'CONSUME_START_TIME',
  'POP_CK',
  'POP_CK_OFFSET',
  '1ST_POP_TIME',
  'TRAN_PREPARED_QUEUE_OFFSET',
  'TRANSACTION_CHECK_TIMES',
  'CHECK_IMMUNITY_TIME_IN_SECONDS',
  'INSTANCE_ID',
  'CORRELATION_ID',
  'REPLY_TO_CLIENT',
  'TTL',
  'ARRIVE_TIME',
  'PUSH_REPLY_TIME',
  'CLUSTER',
  'MSG_TYPE',
  'INNER_MULTI_QUEUE_OFFSET',
  'INNER_MULTI_DISPATCH',
  '__SHARDINGKEY',
  'TIMER_DELIVER_MS',
  'TIMER_DELAY_SEC',
  'TIMER_DELAY_MS',
  'TIMER_OUT_MS',
  'TIMER_ENQUEUE_MS',
  'TIMER_DEQUEUE_MS',
  'TIMER_ROLL_TIMES',
  'TIMER_DEL_UNIQKEY',
  '_SYS_MSG_PRIORITY_',
  '__LITE_TOPIC',
  '__CRC32#',
  '__BORNHOST',
  'BORN_TIMESTAMP',
  'DLQ_ORIGIN_TOPIC',
  'DLQ_ORIGIN_MESSAGE_ID',
  '__transactionId__',
  'INNER_NUM',
  'INNER_BASE',
  'bname',
  'TRACE_CONTEXT',
]);

/** The broker stores at most Short.MAX_VALUE bytes of properties (MessageExtEncoder: PROPERTIES_SIZE_EXCEEDED). */
export const STORED_PROPERTIES_LIMIT = 32_767;
/**
 * Room kept for what the broker adds to every stored message: CLUSTER, MSG_REGION and TRACE_ON
 * (60 bytes with the default names, measured on a 5.3.3 broker), and the timer's bookkeeping on
 * delayed messages (REAL_TOPIC, REAL_QID, TIMER_OUT_MS, ...).
 */
export const BROKER_PROPERTIES_RESERVE = 512;
/** What a message's own encoded properties (tags, keys and user properties included) may take. */
export const MAX_PROPERTIES_BYTES = STORED_PROPERTIES_LIMIT - BROKER_PROPERTIES_RESERVE;

export function encodeProperties(properties: ReadonlyMap<string, string> | Record<string, string>): string {
  let out = '';
  const entries = properties instanceof Map ? properties.entries() : Object.entries(properties);
  for (const [name, value] of entries) {
    if (value === undefined || value === null) continue;
    out += name + NAME_VALUE_SEPARATOR + value + PROPERTY_SEPARATOR;
  }
  return out;
}

/** Chunks with no separator, or one at the very start or end, are skipped as Java does. */
export function decodeProperties(text: string): Map<string, string> {
  const properties = new Map<string, string>();
  for (const chunk of text.split(PROPERTY_SEPARATOR)) {
    const at = chunk.indexOf(NAME_VALUE_SEPARATOR);
    if (chunk.length < 3 || at < 1 || at >= chunk.length - 1) continue;
    properties.set(chunk.slice(0, at), chunk.slice(at + 1));
  }
  return properties;
}

export const hasSeparator = (text: string): boolean => text.includes(NAME_VALUE_SEPARATOR) || text.includes(PROPERTY_SEPARATOR);
