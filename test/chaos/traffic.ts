// Traffic for the chaos scenarios: paced so it runs before, during and after the fault, pausable
// (an idle gap), and an SQS queue as the bridge sees one (batches, visibility timeout, receive
// count, dead-letter queue after maxReceiveCount).
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { sqsRecord } from '../support/events.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Spreads `total` messages evenly over `plannedMs` of active time. Paused time does not count, so
 * traffic stopped for an idle gap resumes where it was. The last `afterMs` worth of messages waits
 * for `healed()`, however long healing takes, so some traffic always runs against the healed cluster.
 */
export class Traffic {
  private startedAt = 0;
  private pausedTotal = 0;
  private pausedAt: number | undefined;
  private resumed: Promise<void> = Promise.resolve();
  private release: () => void = () => undefined;
  private healedAtActive: number | undefined;
  private markHealed: () => void = () => undefined;
  private readonly healing = new Promise<void>((resolve) => (this.markHealed = resolve));

  constructor(
    readonly plannedMs: number,
    readonly afterMs = 0,
  ) {}

  /** The fault is over: the held-back share goes out from now on, at the same pace. */
  healed(): void {
    this.healedAtActive ??= this.activeMs();
    this.markHealed();
  }

  start(): void {
    this.startedAt = Date.now();
  }

  /** Milliseconds of running (unpaused) traffic so far. */
  activeMs(now = Date.now()): number {
    return now - this.startedAt - this.pausedTotal - (this.pausedAt === undefined ? 0 : now - this.pausedAt);
  }

  pause(): void {
    if (this.pausedAt !== undefined) return;
    this.pausedAt = Date.now();
    this.resumed = new Promise((resolve) => (this.release = resolve));
  }

  resume(): void {
    if (this.pausedAt === undefined) return;
    this.pausedTotal += Date.now() - this.pausedAt;
    this.pausedAt = undefined;
    this.release();
  }

  get paused(): boolean {
    return this.pausedAt !== undefined;
  }

  /** Waits while paused. */
  async running(): Promise<void> {
    while (this.paused) await this.resumed;
  }

  /** Resolves when message `index` of `total` is due and traffic is not paused. */
  async turn(index: number, total: number): Promise<void> {
    const at = (this.plannedMs * index) / total;
    const before = this.plannedMs - this.afterMs;
    if (at >= before) await this.healing;
    for (;;) {
      await this.running();
      const due = at >= before ? this.healedAtActive! + at - before : at;
      const wait = due - this.activeMs();
      if (wait <= 0) return;
      await sleep(Math.min(wait, 200));
    }
  }
}

/**
 * Runs `work` over `total` items in units of `unit`, `concurrency` at a time, each unit when the
 * pace says it is due.
 */
export async function paced(
  traffic: Traffic,
  total: number,
  unit: number,
  concurrency: number,
  work: (from: number, count: number) => Promise<void>,
): Promise<void> {
  let issued = 0;
  const worker = async () => {
    while (issued < total) {
      const from = issued;
      const count = Math.min(unit, total - from);
      issued += count;
      await traffic.turn(from, total);
      await work(from, count);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

interface QueuedMessage {
  record: SQSRecord;
  key: string;
  receives: number;
  visibleAt: number;
  inFlight: boolean;
}

export interface SqsQueueOptions {
  /** How long a received message stays invisible before SQS hands it out again. */
  visibilityMs: number;
  /** Receives before SQS moves a message to the dead-letter queue (the stack's redrive policy: 5). */
  maxReceiveCount: number;
}

/**
 * A standard SQS queue as Lambda's poller sees it: a received message is invisible for the
 * visibility timeout; deleted when the invocation did not list it in batchItemFailures; visible
 * again after the timeout otherwise (same messageId, ApproximateReceiveCount + 1); moved to the
 * dead-letter queue after maxReceiveCount receives.
 */
export class SqsQueue {
  private readonly messages = new Map<string, QueuedMessage>();
  /** Keys of the messages moved to the dead-letter queue. */
  readonly deadLetters: string[] = [];

  constructor(readonly options: SqsQueueOptions) {}

  send(key: string, body: string, attributes: Record<string, string> = {}): void {
    const record = sqsRecord(body, { keys: key, ...attributes });
    this.messages.set(record.messageId, { record, key, receives: 0, visibleAt: Date.now(), inFlight: false });
  }

  /** A message received `receives` times elsewhere and failed there: visible after the timeout. */
  adopt(record: SQSRecord, key: string, receives: number, now = Date.now()): void {
    this.messages.set(record.messageId, { record, key, receives, visibleAt: now + this.options.visibilityMs, inFlight: false });
  }

  get size(): number {
    return this.messages.size;
  }

  /** Visible messages now. */
  visible(now = Date.now()): number {
    let n = 0;
    for (const m of this.messages.values()) if (!m.inFlight && m.visibleAt <= now) n += 1;
    return n;
  }

  /** Up to `max` visible messages, each with its receive count raised, as the records Lambda gets. */
  receive(max: number, now = Date.now()): { record: SQSRecord; key: string }[] {
    const out: { record: SQSRecord; key: string }[] = [];
    for (const m of this.messages.values()) {
      if (out.length >= max) break;
      if (m.inFlight || m.visibleAt > now) continue;
      m.inFlight = true;
      m.receives += 1;
      const record: SQSRecord = {
        ...m.record,
        receiptHandle: `AQEB${m.record.messageId}-${m.receives}`,
        attributes: { ...m.record.attributes, ApproximateReceiveCount: String(m.receives) },
      };
      out.push({ record, key: m.key });
    }
    return out;
  }

  /** The invocation's answer for the records it got: deleted, or back after the visibility timeout. */
  settle(messageId: string, ok: boolean, now = Date.now()): 'deleted' | 'retry' | 'dead-letter' {
    const m = this.messages.get(messageId);
    if (!m) throw new Error(`settled an unknown message ${messageId}`);
    m.inFlight = false;
    if (ok) {
      this.messages.delete(messageId);
      return 'deleted';
    }
    if (m.receives >= this.options.maxReceiveCount) {
      this.messages.delete(messageId);
      this.deadLetters.push(m.key);
      return 'dead-letter';
    }
    m.visibleAt = now + this.options.visibilityMs;
    return 'retry';
  }

  /** When the next invisible message becomes visible, if any. */
  nextVisibleAt(): number | undefined {
    let next: number | undefined;
    for (const m of this.messages.values()) if (!m.inFlight && (next === undefined || m.visibleAt < next)) next = m.visibleAt;
    return next;
  }
}

/**
 * The records of one invocation that SQS takes as processed: those not in batchItemFailures. A
 * handler that threw or ran past its deadline, or answered with an identifier not in the batch,
 * fails the whole batch (that is what Lambda does).
 */
export function processedRecords(
  records: SQSRecord[],
  outcome: { result?: unknown; error?: string; durationMs: number; budgetMs: number },
): { ok: Set<string>; reason: string | undefined } {
  const none = (reason: string) => ({ ok: new Set<string>(), reason });
  if (outcome.error !== undefined) return none(`handler threw: ${outcome.error.split('\n')[0]}`);
  if (outcome.durationMs > outcome.budgetMs) return none(`timed out (${outcome.durationMs} ms of ${outcome.budgetMs} ms)`);
  const failures = (outcome.result as SQSBatchResponse | undefined)?.batchItemFailures;
  if (!Array.isArray(failures)) return none('no batchItemFailures in the response');
  const ids = new Set(records.map((r) => r.messageId));
  if (failures.some((f) => !ids.has(f.itemIdentifier))) return none('batchItemFailures names a record not in the batch');
  const failed = new Set(failures.map((f) => f.itemIdentifier));
  return { ok: new Set([...ids].filter((id) => !failed.has(id))), reason: failed.size > 0 ? 'in batchItemFailures' : undefined };
}
