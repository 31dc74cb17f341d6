// Message trace, the Java client's enableMsgTrace without its background thread: each send a
// broker answered (and each transaction ended) leaves a record here; the records go out as trace
// messages when flush() runs (every invocation's end in the Lambda adapter), when a full trace
// message has gathered, or at the first send after the oldest has waited flushAfterMs. A trace send
// is one attempt within its own small budget, never past the caller's deadline, and its failure is
// counted and logged, never thrown: tracing cannot fail or delay a send beyond its budget.
import { Prop } from '../message/properties.ts';
import type { HalfMessage, TransactionDecision } from '../protocol/end-transaction.ts';
import {
  encodeTraceRecord,
  type EndTransactionRecord,
  TRACE_MESSAGE_MAX_BYTES,
  TraceMessageType,
  type TraceMessage,
  type TraceRecord,
  traceMessages,
} from './trace-data.ts';

export interface TraceSettings {
  /** The trace topic (RMQ_SYS_TRACE_TOPIC unless the cluster uses another). */
  topic: string;
  /** The producer group the records name, without the namespace. */
  group: string;
  /** A trace message's budget; the caller's deadline cuts it shorter. */
  timeoutMs: number;
  /** Records kept at most while waiting to go out; beyond it new ones are dropped and counted. */
  maxBuffered: number;
  /** The first send after the oldest record has waited this long sends the records beside it. */
  flushAfterMs: number;
}

/** What a batch request carries per message, for one record each. */
export interface TracedMember {
  msgId: string;
  tags: string | undefined;
  keys: string | undefined;
  bodyLength: number;
}

/** The part of a prepared send the tracer reads. */
export interface TracedSend {
  topic: string;
  wireTopic: string;
  body: Buffer;
  msgId: string;
  properties: ReadonlyMap<string, string>;
  members?: readonly TracedMember[];
}

/** What the tracer reads of a SendResult. */
export interface TracedResult {
  status: string;
  offsetMsgId: string;
  regionId: string;
  traceOn: boolean;
}

export interface TraceCounters {
  /** Records a broker confirmed in a trace message. */
  recordsSent: number;
  /** Records whose trace message failed, or that had no time left to go. */
  recordsFailed: number;
  /** Records dropped because maxBuffered were already waiting. */
  recordsDropped: number;
}

/** Sends one trace message within `timeoutMs`; throws on failure. */
export type TraceSender = (message: TraceMessage, timeoutMs: number) => Promise<void>;

function messageType(properties: ReadonlyMap<string, string>): TraceMessageType {
  if (properties.get(Prop.TRAN_MSG) === 'true') return TraceMessageType.TRANSACTION_HALF;
  const delayed = [Prop.DELAY, Prop.TIMER_DELIVER_MS, Prop.TIMER_DELAY_SEC, Prop.TIMER_DELAY_MS].some((p) => properties.has(p));
  return delayed ? TraceMessageType.DELAY : TraceMessageType.NORMAL;
}

export class MessageTracer {
  private records: TraceRecord[] = [];
  private bytes = 0;
  private oldestAt = 0;
  readonly counters: TraceCounters = { recordsSent: 0, recordsFailed: 0, recordsDropped: 0 };

  constructor(
    readonly settings: TraceSettings,
    private readonly log: (entry: Record<string, unknown>) => void,
  ) {}

  get buffered(): number {
    return this.records.length;
  }

  /** A send a broker answered: one Pub record per message (a batch gives one per member). */
  sent(send: TracedSend, storeHost: string, startedAt: number, result: TracedResult): void {
    if (!result.traceOn || send.wireTopic.startsWith(this.settings.topic)) return;
    const costMs = Date.now() - startedAt;
    const members = send.members ?? [
      { msgId: send.msgId, tags: send.properties.get(Prop.TAGS), keys: send.properties.get(Prop.KEYS), bodyLength: send.body.length },
    ];
    const offsetIds = result.offsetMsgId.split(',');
    for (const [i, member] of members.entries()) {
      this.add({
        type: 'Pub',
        timestamp: startedAt,
        regionId: result.regionId,
        group: this.settings.group,
        topic: send.topic,
        msgId: member.msgId,
        offsetMsgId: offsetIds[i] ?? offsetIds[0] ?? '',
        tags: member.tags,
        keys: member.keys,
        storeHost,
        bodyLength: member.bodyLength,
        costMs,
        messageType: messageType(send.properties),
        success: result.status === 'SEND_OK',
      });
    }
  }

  /** A commit or rollback the broker confirmed. */
  ended(half: HalfMessage, decision: TransactionDecision, fromCheck: boolean, storeHost: string): void {
    const record: EndTransactionRecord = {
      type: 'EndTransaction',
      timestamp: Date.now(),
      regionId: 'DefaultRegion', // Java reads MSG_REGION off the message, which a producer never has
      group: this.settings.group,
      topic: half.topic,
      msgId: half.msgId,
      tags: undefined,
      keys: undefined,
      storeHost,
      transactionId: half.transactionId,
      state: decision === 'COMMIT' ? 'COMMIT_MESSAGE' : 'ROLLBACK_MESSAGE',
      fromTransactionCheck: fromCheck,
    };
    this.add(record);
  }

  private add(record: TraceRecord): void {
    if (this.records.length >= this.settings.maxBuffered) {
      this.counters.recordsDropped += 1;
      return;
    }
    if (this.records.length === 0) this.oldestAt = Date.now();
    this.records.push(record);
    this.bytes += Buffer.byteLength(encodeTraceRecord(record));
  }

  /** Whether the records should go out now rather than at the next flush. */
  get due(): boolean {
    return this.records.length > 0 && (this.bytes >= TRACE_MESSAGE_MAX_BYTES || Date.now() - this.oldestAt >= this.settings.flushAfterMs);
  }

  /** Sends every record gathered so far; resolves when each trace message is confirmed or given up. */
  async dispatch(send: TraceSender, deadline = Number.POSITIVE_INFINITY): Promise<void> {
    if (this.records.length === 0) return;
    const records = this.records;
    [this.records, this.bytes] = [[], 0];
    const messages = traceMessages(records);
    await Promise.all(
      messages.map(async (message) => {
        const timeoutMs = Math.min(this.settings.timeoutMs, deadline - Date.now());
        try {
          if (timeoutMs <= 0) throw new Error('no time left before the deadline');
          await send(message, timeoutMs);
          this.counters.recordsSent += message.records;
        } catch (err) {
          this.counters.recordsFailed += message.records;
          this.log({ level: 'warn', message: 'message trace not sent', topic: this.settings.topic, records: message.records, error: (err as Error).message });
        }
      }),
    );
  }
}
