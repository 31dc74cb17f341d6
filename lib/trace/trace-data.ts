// Message trace records in RocketMQ's own text format (what the Java client's enableMsgTrace
// writes, TraceDataEncoder): fields separated by \u0001, each record ended by \u0002, so the
// RocketMQ Dashboard (TraceView.decodeFromTraceTransData) reads ours as it reads Java's. A value
// Java leaves null is written "null", as its StringBuilder does.

export const CONTENT_SEPARATOR = '\u0001';
export const FIELD_SEPARATOR = '\u0002';
export const DEFAULT_TRACE_TOPIC = 'RMQ_SYS_TRACE_TOPIC';
/** AsyncTraceDispatcher's maxMsgSize: one trace message carries at most this many bytes of records. */
export const TRACE_MESSAGE_MAX_BYTES = 128_000;
/**
 * The keys of one trace message, space-joined, stay under this: they travel in the KEYS property and
 * a broker refuses properties over 32,767 bytes (Java does not check, and loses such a message).
 */
export const TRACE_KEYS_MAX_BYTES = 24_000;

/** MessageType's ordinals, as the Pub record carries them. */
export const TraceMessageType = { NORMAL: 0, TRANSACTION_HALF: 1, TRANSACTION_COMMIT: 2, DELAY: 3 } as const;
export type TraceMessageType = (typeof TraceMessageType)[keyof typeof TraceMessageType];

/** A send a broker answered (TraceType.Pub). */
export interface PubRecord {
  type: 'Pub';
  /** Epoch ms the attempt that stored the message began. */
  timestamp: number;
  regionId: string;
  /** The producer group, without the namespace. */
  group: string;
  /** The topic, without the namespace. */
  topic: string;
  msgId: string;
  offsetMsgId: string;
  tags: string | undefined;
  /** Space-separated, as the KEYS property. */
  keys: string | undefined;
  /** The broker address the message was sent to. */
  storeHost: string;
  /** Bytes of the body as sent (after compression). */
  bodyLength: number;
  costMs: number;
  messageType: TraceMessageType;
  /** SEND_OK; another status is stored but not as asked (a slave not reached). */
  success: boolean;
}

/** A commit or rollback the broker confirmed (TraceType.EndTransaction). */
export interface EndTransactionRecord {
  type: 'EndTransaction';
  timestamp: number;
  regionId: string;
  group: string;
  topic: string;
  msgId: string;
  tags: string | undefined;
  keys: string | undefined;
  storeHost: string;
  transactionId: string;
  /** LocalTransactionState's names. */
  state: 'COMMIT_MESSAGE' | 'ROLLBACK_MESSAGE';
  fromTransactionCheck: boolean;
}

export type TraceRecord = PubRecord | EndTransactionRecord;

const text = (value: string | undefined) => value ?? 'null';

export function encodeTraceRecord(record: TraceRecord): string {
  // Both kinds start alike: type, time, region, group, then the message's topic, id, tags, keys, host.
  const head = [
    record.type,
    record.timestamp,
    record.regionId,
    record.group,
    record.topic,
    record.msgId,
    text(record.tags),
    text(record.keys),
    record.storeHost,
  ];
  const tail =
    record.type === 'Pub'
      ? [record.bodyLength, record.costMs, record.messageType, record.offsetMsgId, record.success]
      : [TraceMessageType.TRANSACTION_COMMIT, record.transactionId, record.state, record.fromTransactionCheck];
  return [...head, ...tail].join(CONTENT_SEPARATOR) + FIELD_SEPARATOR;
}

/** What the Dashboard finds a record by (TraceTransferBean.transKey): the message id and its keys. */
export function traceKeys(record: TraceRecord): string[] {
  return [record.msgId, ...(record.keys ? record.keys.split(' ').filter(Boolean) : [])];
}

const keyBytes = (keys: string[]) => keys.reduce((sum, k) => sum + Buffer.byteLength(k) + 1, 0);

/** One trace message: records of one topic, at most TRACE_MESSAGE_MAX_BYTES, and their keys. */
export interface TraceMessage {
  body: string;
  keys: string[];
  records: number;
}

/**
 * Records grouped as AsyncTraceDispatcher groups them (by the traced topic) and cut into messages
 * of at most `maxBytes` each.
 */
export function traceMessages(records: readonly TraceRecord[], maxBytes = TRACE_MESSAGE_MAX_BYTES, maxKeyBytes = TRACE_KEYS_MAX_BYTES): TraceMessage[] {
  const byTopic = new Map<string, TraceRecord[]>();
  for (const record of records) {
    const list = byTopic.get(record.topic);
    if (list) list.push(record);
    else byTopic.set(record.topic, [record]);
  }
  const messages: TraceMessage[] = [];
  for (const group of byTopic.values()) {
    let current = { body: '', bytes: 0, keys: new Set<string>(), keyBytes: 0, records: 0 };
    for (const record of group) {
      const encoded = encodeTraceRecord(record);
      const size = Buffer.byteLength(encoded);
      const added = traceKeys(record).filter((k) => !current.keys.has(k));
      if (current.records > 0 && (current.bytes + size > maxBytes || current.keyBytes + keyBytes(added) > maxKeyBytes)) {
        messages.push({ body: current.body, keys: [...current.keys], records: current.records });
        current = { body: '', bytes: 0, keys: new Set<string>(), keyBytes: 0, records: 0 };
      }
      const fresh = traceKeys(record).filter((k) => !current.keys.has(k));
      current.body += encoded;
      current.bytes += size;
      current.keyBytes += keyBytes(fresh);
      current.records += 1;
      for (const key of fresh) current.keys.add(key);
    }
    if (current.records > 0) messages.push({ body: current.body, keys: [...current.keys], records: current.records });
  }
  return messages;
}
