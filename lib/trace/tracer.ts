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

/**
 * Records waiting to go out, for one scope of work (a Lambda invocation) or for the producer as a
 * whole: each invocation's flush sends its own records and waits for no one else's.
 */
export class TraceBuffer {
  records: TraceRecord[] = [];
  bytes = 0;
  oldestAt = 0;
}

export class MessageTracer {
  private readonly shared = new TraceBuffer();
  /** Buffers holding records, so a flush of everything finds every scope's. */
  private readonly waiting = new Set<TraceBuffer>();
  private total = 0;
  readonly counters: TraceCounters = { recordsSent: 0, recordsFailed: 0, recordsDropped: 0 };

  /** `bufferOf` names the current scope's buffer; records made outside any scope go to a shared one. */
  constructor(
    readonly settings: TraceSettings,
    private readonly log: (entry: Record<string, unknown>) => void,
    private readonly bufferOf: () => TraceBuffer | undefined = () => undefined,
  ) {}

  get buffered(): number {
    return this.total;
  }

  private current(): TraceBuffer {
    return this.bufferOf() ?? this.shared;
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
    if (this.total >= this.settings.maxBuffered) {
      this.counters.recordsDropped += 1;
      return;
    }
    const buffer = this.current();
    if (buffer.records.length === 0) {
      buffer.oldestAt = Date.now();
      this.waiting.add(buffer);
    }
    buffer.records.push(record);
    buffer.bytes += Buffer.byteLength(encodeTraceRecord(record));
    this.total += 1;
  }

  /** Whether the current scope's records should go out now rather than at its flush. */
  get due(): boolean {
    const { records, bytes, oldestAt } = this.current();
    return records.length > 0 && (bytes >= TRACE_MESSAGE_MAX_BYTES || Date.now() - oldestAt >= this.settings.flushAfterMs);
  }

  /** A scope's buffer (the current one's by default) and the shared one: what a scope's flush sends. */
  ownBuffers(buffer?: TraceBuffer): TraceBuffer[] {
    const own = buffer ?? this.current();
    return own === this.shared ? [own] : [own, this.shared];
  }

  /**
   * Sends the records gathered so far in `buffers` (every scope's by default); resolves when each
   * trace message is confirmed or given up, with how many records went and how many failed.
   */
  async dispatch(
    send: TraceSender,
    deadline = Number.POSITIVE_INFINITY,
    buffers: Iterable<TraceBuffer> = [...this.waiting],
  ): Promise<{ sent: number; failed: number }> {
    const outcome = { sent: 0, failed: 0 };
    const records: TraceRecord[] = [];
    for (const buffer of buffers) {
      if (buffer.records.length === 0) continue;
      records.push(...buffer.records);
      [buffer.records, buffer.bytes] = [[], 0];
      this.waiting.delete(buffer);
    }
    if (records.length === 0) return outcome;
    this.total -= records.length;
    const messages = traceMessages(records);
    await Promise.all(
      messages.map(async (message) => {
        const timeoutMs = Math.min(this.settings.timeoutMs, deadline - Date.now());
        try {
          if (timeoutMs <= 0) throw new Error('no time left before the deadline');
          await send(message, timeoutMs);
          this.counters.recordsSent += message.records;
          outcome.sent += message.records;
        } catch (err) {
          this.counters.recordsFailed += message.records;
          outcome.failed += message.records;
          this.log({ level: 'warn', message: 'message trace not sent', topic: this.settings.topic, records: message.records, error: (err as Error).message });
        }
      }),
    );
    return outcome;
  }
}
