// Reads back every message stored in a topic between two moments, queue by queue, so a test can
// count what the brokers really hold instead of looking messages up one key at a time.
//   GET_MAX_OFFSET (30)  extFields topic, queueId          -> extFields offset (consume-queue max)
//   PULL_MESSAGE (11)    extFields consumerGroup, topic, queueId, queueOffset, maxMsgNums, sysFlag,
//                        commitOffset, suspendTimeoutMillis, subscription, subVersion, expressionType
//                        -> 0 FOUND (body: stored messages back to back, commit-log format),
//                           19 PULL_NOT_FOUND, 20 PULL_RETRY_IMMEDIATELY, 21 PULL_OFFSET_MOVED;
//                           extFields nextBeginOffset, minOffset, maxOffset
// A plain remoting client can pull without registering a consumer: with the subscription flag
// (PullSysFlag 0x4) the broker builds the subscription from the request itself
// (PullMessageProcessor.processRequest, FilterAPI.build), and auto-creates the group
// (autoCreateSubscriptionGroup, on by default). Without commit flag (0x1) no offset is stored.
import { decodeStoredMessage, type StoredMessage } from '../../lib/internal.ts';
import { RequestCode } from '../../lib/internal.ts';
import type { RemotingClient } from '../../lib/internal.ts';

const PULL_MESSAGE = 11;
const PULL_NOT_FOUND = 19;
const PULL_RETRY_IMMEDIATELY = 20;
const FLAG_SUBSCRIPTION = 0x4;
const READER_GROUP = 'verify-reader';

export interface QueueRef {
  brokerName: string;
  address: string;
  queueId: number;
}

export interface ReadMessage {
  /** The KEYS property split on spaces (MessageConst.KEY_SEPARATOR). */
  keys: string[];
  uniqKey: string | undefined;
  body: Buffer;
  topic: string;
  brokerName: string;
  queueId: number;
  queueOffset: number;
  storeTimestamp: number;
}

/** Consume-queue offsets per queue, keyed `brokerName/queueId`. */
export type OffsetMark = Map<string, number>;

const queueKey = (q: QueueRef) => `${q.brokerName}/${q.queueId}`;

/** Every queue of `topic` on every broker: `queues` read queues on each. */
export function queuesOf(brokers: Record<string, string>, queues: number): QueueRef[] {
  return Object.entries(brokers).flatMap(([brokerName, address]) => Array.from({ length: queues }, (_, queueId) => ({ brokerName, address, queueId })));
}

export async function maxOffset(remoting: RemotingClient, topic: string, queue: QueueRef, timeoutMs = 3000): Promise<number> {
  const response = await remoting.invoke(queue.address, { code: RequestCode.GET_MAX_OFFSET, extFields: { topic, queueId: String(queue.queueId) } }, timeoutMs);
  if (response.code !== 0) throw new Error(`GET_MAX_OFFSET ${topic} ${queueKey(queue)}: code ${response.code} ${response.remark ?? ''}`);
  return Number(response.extFields.offset);
}

export async function markOffsets(remoting: RemotingClient, topic: string, queues: QueueRef[]): Promise<OffsetMark> {
  const entries = await Promise.all(queues.map(async (q) => [queueKey(q), await maxOffset(remoting, topic, q)] as const));
  return new Map(entries);
}

function pullRequest(topic: string, queueId: number, queueOffset: number, maxMsgNums: number) {
  return {
    code: PULL_MESSAGE,
    extFields: {
      consumerGroup: READER_GROUP,
      topic,
      queueId: String(queueId),
      queueOffset: String(queueOffset),
      maxMsgNums: String(maxMsgNums),
      sysFlag: String(FLAG_SUBSCRIPTION),
      commitOffset: '0',
      suspendTimeoutMillis: '0',
      subscription: '*',
      subVersion: '0',
      expressionType: 'TAG',
    },
  };
}

export function decodeMessages(body: Buffer): StoredMessage[] {
  const messages: StoredMessage[] = [];
  for (let offset = 0; offset + 4 <= body.length; ) {
    const size = body.readInt32BE(offset);
    messages.push(decodeStoredMessage(body.subarray(offset, offset + size)));
    offset += size;
  }
  return messages;
}

function toRead(m: StoredMessage, brokerName: string): ReadMessage {
  const keys = m.properties.get('KEYS');
  return {
    keys: keys ? keys.split(' ').filter(Boolean) : [],
    uniqKey: m.properties.get('UNIQ_KEY'),
    body: m.body,
    topic: m.topic,
    brokerName,
    queueId: m.queueId,
    queueOffset: m.queueOffset,
    storeTimestamp: m.storeTimestamp,
  };
}

/** Every message of one queue with `from <= queueOffset < to`. */
export async function readQueue(remoting: RemotingClient, topic: string, queue: QueueRef, from: number, to: number): Promise<ReadMessage[]> {
  const out: ReadMessage[] = [];
  let offset = from;
  let retries = 0;
  while (offset < to) {
    const response = await remoting.invoke(queue.address, pullRequest(topic, queue.queueId, offset, Math.min(32, to - offset)), 5000);
    const next = Number(response.extFields.nextBeginOffset);
    if (response.code === 0 && response.body) {
      for (const m of decodeMessages(response.body)) if (m.queueOffset >= from && m.queueOffset < to) out.push(toRead(m, queue.brokerName));
      offset = next > offset ? next : offset + 1;
      retries = 0;
    } else if ((response.code === PULL_RETRY_IMMEDIATELY || response.code === PULL_NOT_FOUND) && retries < 50) {
      // Not dispatched yet, or a consume-queue file boundary: ask again from where the broker says.
      if (Number.isFinite(next) && next > offset) offset = next;
      retries += 1;
      await new Promise((r) => setTimeout(r, 20));
    } else {
      throw new Error(`PULL_MESSAGE ${topic} ${queueKey(queue)} at ${offset}: code ${response.code} ${response.remark ?? ''}`);
    }
  }
  return out;
}

/**
 * Every message stored in `topic` since `mark`: the queues are read up to their max offset now,
 * and read again until two reads in a row find the max offsets unchanged (a broker dispatches
 * its consume queues shortly after the store).
 */
export async function readSince(remoting: RemotingClient, topic: string, queues: QueueRef[], mark: OffsetMark): Promise<ReadMessage[]> {
  const out: ReadMessage[] = [];
  const done = new Map(mark);
  for (;;) {
    const now = await markOffsets(remoting, topic, queues);
    const pending = queues.filter((q) => (now.get(queueKey(q)) ?? 0) > (done.get(queueKey(q)) ?? 0));
    if (pending.length === 0) return out;
    for (const q of pending) {
      const from = done.get(queueKey(q)) ?? 0;
      const to = now.get(queueKey(q))!;
      out.push(...(await readQueue(remoting, topic, q, from, to)));
      done.set(queueKey(q), to);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}
