// Transactions that survive a Lambda. Java's design needs a producer that stays up to answer the
// broker's CHECK_TRANSACTION_STATE; a Lambda is frozen between invocations and may never run
// again. Here the ledger (DynamoDB) holds what ending each half message takes, and ending it is a
// verb any process can run:
//   run():     half message -> ledger entry (PENDING, due after a grace period) -> local
//              transaction (which can record its decision atomically with its own DynamoDB data)
//              -> decision -> END_TRANSACTION under a lease -> ENDED;
//   resolve(): every entry past its due time, under a lease, is decided (the ledger's decision,
//              else checkLocalTransaction, else onTimeout once maxPending has passed) and ended.
// A process ends a transaction only while it holds the entry's lease, marks the entry before it
// sends the end, and a resolver that finds such a mark looks for the committed copy before it
// commits again: the broker stores a second copy for a second COMMIT.
import { randomUUID } from 'node:crypto';
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { Message } from '../message/message.ts';
import type { LocalTransaction, LocalTransactionState, Producer, SendOptions, TransactionOutcome } from '../producer/api.ts';
import type { HalfMessage, TransactionDecision } from '../producer/half-message.ts';
import type { DynamoDbTransactionLedger, LedgerEntry } from './ledger.ts';

export interface TransactionsOptions {
  /** After this long an undecided or unended transaction is the resolver's. Default 60 s. */
  graceMs?: number;
  /** The decision for a transaction nobody decided once maxPendingMs has passed. Default ROLLBACK. */
  onTimeout?: TransactionDecision;
  /**
   * How long the resolver waits for checkLocalTransaction to know an answer before onTimeout
   * applies. Default 5 min: inside the broker's check window (15 checks, 30 s apart, after 6 s).
   */
  maxPendingMs?: number;
  /** How long a process holds an entry while it ends it. Default 30 s. */
  leaseMs?: number;
  /** Who this process is, in leases. Default a random id per instance. */
  owner?: string;
  now?: () => number;
}

/** The local transaction's helpers: the ledger writes to put in the caller's own TransactWriteItems. */
export interface LocalTransactionContext {
  commitItem: TransactWriteItem;
  rollbackItem: TransactWriteItem;
}

export interface ResolveSummary {
  due: number;
  committed: number;
  rolledBack: number;
  /** Ended by onTimeout: nobody decided within maxPendingMs. */
  expired: number;
  /** Still undecided (checkLocalTransaction said UNKNOWN) and not yet past maxPendingMs. */
  waiting: number;
  /** Held by another process, or ended meanwhile. */
  skipped: number;
  errors: number;
  /** Why each error happened, by transaction id. */
  failures: { transactionId: string; error: string }[];
  /** Age of the oldest entry not ended after this run, in ms (0 when none). */
  oldestPendingMs: number;
}

export type CheckLocalTransaction = LocalTransaction;

export class Transactions {
  private readonly graceMs: number;
  private readonly onTimeout: TransactionDecision;
  private readonly maxPendingMs: number;
  private readonly leaseMs: number;
  readonly owner: string;
  private readonly now: () => number;

  constructor(
    private readonly producer: Producer,
    readonly ledger: DynamoDbTransactionLedger,
    options: TransactionsOptions = {},
  ) {
    this.graceMs = options.graceMs ?? 60_000;
    this.onTimeout = options.onTimeout ?? 'ROLLBACK';
    this.maxPendingMs = options.maxPendingMs ?? 300_000;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.owner = options.owner ?? randomUUID();
    this.now = options.now ?? Date.now;
  }

  /**
   * The half message and its ledger entry. If the entry cannot be written the half message is
   * rolled back at once and the error thrown: no local transaction may run for a message nobody
   * could end.
   */
  async begin(message: Message, options: SendOptions & { dueInMs?: number; onTimeout?: TransactionDecision } = {}): Promise<HalfMessage> {
    const { dueInMs, onTimeout, ...send } = options;
    const half = await this.producer.sendHalf(message, send);
    try {
      await this.ledger.record(half, { dueAt: this.now() + (dueInMs ?? this.graceMs), onTimeout: onTimeout ?? this.onTimeout });
    } catch (err) {
      await this.producer.endTransaction(half, 'ROLLBACK', send.deadline === undefined ? {} : { deadline: send.deadline }).catch(() => undefined);
      throw err;
    }
    return half;
  }

  /** sendMessageInTransaction, crash-safe: see the top of this file. */
  async run(
    message: Message,
    execute: LocalTransaction<[half: HalfMessage, context: LocalTransactionContext]>,
    options: SendOptions = {},
  ): Promise<TransactionOutcome> {
    const half = await this.begin(message, options);
    let state: LocalTransactionState;
    try {
      state = await execute(half, { commitItem: this.ledger.decisionItem(half, 'COMMIT'), rollbackItem: this.ledger.decisionItem(half, 'ROLLBACK') });
    } catch (error) {
      return { half, state: 'UNKNOWN', ended: false, error };
    }
    if (state === 'UNKNOWN') return { half, state, ended: false };
    try {
      // Recorded already when the caller put commitItem/rollbackItem in its own transaction.
      await this.ledger.decide(half, state);
      return { half, state, ended: await this.end(half.transactionId, options.deadline) };
    } catch (error) {
      return { half, state, ended: false, error };
    }
  }

  /** Decides a pending transaction (the HTTP commit/rollback) and ends it. */
  async finish(
    transactionId: string,
    decision: TransactionDecision,
    deadline?: number,
  ): Promise<{ state: LedgerEntry['state'] | 'UNKNOWN_TRANSACTION'; ended: boolean }> {
    const entry = await this.ledger.get(transactionId);
    if (!entry) return { state: 'UNKNOWN_TRANSACTION', ended: false };
    if (entry.state === 'ENDED') return { state: 'ENDED', ended: entry.endedAs === decision };
    if (entry.state === 'PENDING') await this.ledger.decide(entry.half, decision);
    const now = await this.ledger.get(transactionId);
    if (now?.state !== decision) return { state: now?.state ?? 'UNKNOWN_TRANSACTION', ended: false };
    return { state: decision, ended: await this.end(transactionId, deadline) };
  }

  /**
   * Ends a decided transaction under a lease: claim, mark, END_TRANSACTION, ENDED. False when
   * another process holds it (it will end it) or it is not decided.
   */
  private async end(transactionId: string, deadline?: number, claimed?: LedgerEntry): Promise<boolean> {
    const entry = claimed ?? (await this.ledger.claim(transactionId, this.owner, this.leaseMs));
    if (!entry || (entry.state !== 'COMMIT' && entry.state !== 'ROLLBACK')) return false;
    const decision = entry.state;
    // A COMMIT that may have reached the broker before its sender died is looked up, not resent.
    const delivered = decision === 'COMMIT' && entry.endingAt !== undefined && (await this.producer.isDelivered(entry.half, deadline));
    if (!delivered) {
      await this.ledger.markEnding(transactionId, this.owner);
      await this.producer.endTransaction(entry.half, decision, deadline === undefined ? {} : { deadline });
    }
    await this.ledger.markEnded(transactionId, this.owner, decision);
    return true;
  }

  /** The resolver: ends every transaction past its due time; safe to run in several processes at once. */
  async resolve(options: { checkLocalTransaction?: CheckLocalTransaction; deadline?: number } = {}): Promise<ResolveSummary> {
    const summary: ResolveSummary = { due: 0, committed: 0, rolledBack: 0, expired: 0, waiting: 0, skipped: 0, errors: 0, failures: [], oldestPendingMs: 0 };
    const due = await this.ledger.due(this.now());
    summary.due = due.length;
    for (const candidate of due) {
      if (options.deadline !== undefined && Date.now() >= options.deadline) break;
      try {
        const entry = await this.ledger.claim(candidate.half.transactionId, this.owner, this.leaseMs);
        if (!entry) {
          summary.skipped += 1;
          continue;
        }
        let decided = entry;
        if (entry.state === 'PENDING') {
          const asked = options.checkLocalTransaction ? await options.checkLocalTransaction(entry.half) : 'UNKNOWN';
          const expired = asked === 'UNKNOWN' && this.now() - entry.createdAt >= (options.checkLocalTransaction ? this.maxPendingMs : 0);
          if (asked === 'UNKNOWN' && !expired) {
            summary.waiting += 1;
            continue;
          }
          const decision = asked === 'UNKNOWN' ? entry.onTimeout : asked;
          if (expired) summary.expired += 1;
          if (!(await this.ledger.decideUnder(entry.half.transactionId, this.owner, decision))) {
            summary.skipped += 1;
            continue;
          }
          decided = { ...entry, state: decision };
        }
        if (await this.end(entry.half.transactionId, options.deadline, decided)) {
          if (decided.state === 'COMMIT') summary.committed += 1;
          else summary.rolledBack += 1;
        }
      } catch (err) {
        summary.errors += 1;
        summary.failures.push({ transactionId: candidate.half.transactionId, error: (err as Error).message });
      }
    }
    const left = await this.ledger.pending();
    summary.oldestPendingMs = left.length === 0 ? 0 : Math.max(0, this.now() - Math.min(...left.map((e) => e.createdAt)));
    return summary;
  }
}
