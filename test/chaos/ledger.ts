// What every caller was told about every message, and what the brokers really hold. Each message
// of a scenario carries one unique key (`<run>-<scenario>-<driver>-<n>`); a driver writes down each
// answer it gets for that key (a SendResult, an error, or for the bridge: absent from
// batchItemFailures or listed in it), and after the run the stored copies are counted by key, each
// with its UNIQ_KEY: a consumer can drop a duplicate only when every copy carries the same one.

export interface KeyRecord {
  key: string;
  driver: string;
  /** Answers that said "stored" (a SendResult, a 2xx, a record left out of batchItemFailures). */
  confirmed: number;
  /** Answers that said "not stored" (an error, a non-2xx, a record in batchItemFailures, a timeout). */
  failed: number;
  /** Times the record was handed to a handler (SQS receives); 1 for everything but the bridge and http-retry. */
  receives: number;
  /** When each of those hand-overs began, and when each was answered (epoch ms). */
  receivedAt: number[];
  answeredAt: number[];
  lastError?: string;
}

export interface InvocationStats {
  invocations: number;
  /** The invocation that used the largest share of its time. */
  worst: { durationMs: number; budgetMs: number } | undefined;
  overruns: { durationMs: number; budgetMs: number; at: number }[];
  /** Invocations that threw instead of answering (an unhandled handler error). */
  threw: number;
}

export interface Classification {
  driver: string;
  sent: number;
  confirmed: number;
  /** Keys the caller was told "failed" at least once. */
  reportedFailed: number;
  /** Distinct keys found at least once. */
  stored: number;
  confirmedStored: number;
  /** Confirmed and not stored: must be 0. */
  lost: number;
  /** Told "failed" at least once, and stored more copies than it was confirmed. */
  failedButStored: number;
  /** Never confirmed and not stored: the caller knows, nothing to reconcile. */
  failedNotStored: number;
  /** Keys stored more than once, and the copies beyond the first. */
  duplicates: number;
  extraCopies: number;
  /**
   * Duplicates whose copies do not all carry the same UNIQ_KEY (a copy without one counts as
   * different): a consumer deduplicating by msgId cannot recognize them. Must be 0.
   */
  differentUniqKey: number;
  differentUniqKeyKeys: string[];
  /** Duplicates of keys handed over more than once (a bridge record redelivered, an HTTP request retried). */
  duplicatesAfterRedelivery: number;
  /**
   * Keys handed over more than once with a copy stored by the time the second hand-over began and
   * another stored after it: sent again by a redelivery or retry although a copy was stored.
   */
  storedAgain: number;
  /** Never answered at all: a driver that did not finish (must be 0). */
  unanswered: number;
  /** Records handed over more than once (bridge redeliveries). */
  redelivered: number;
  invocations: InvocationStats | undefined;
  lostKeys: string[];
}

export class Ledger {
  readonly records = new Map<string, KeyRecord>();
  private readonly invocationStats = new Map<string, InvocationStats>();

  constructor(readonly prefix: string) {}

  /** A fresh unique key for `driver`'s `n`th message. */
  key(driver: string, n: number): string {
    const key = `${this.prefix}-${driver}-${n}`;
    this.records.set(key, { key, driver, confirmed: 0, failed: 0, receives: 0, receivedAt: [], answeredAt: [] });
    return key;
  }

  private record(key: string): KeyRecord {
    const record = this.records.get(key);
    if (!record) throw new Error(`unknown key ${key}`);
    return record;
  }

  received(key: string, at = Date.now()): void {
    const record = this.record(key);
    record.receives += 1;
    record.receivedAt.push(at);
  }

  /** The handler answered a hand-over of `key` (whatever it said, and whether the caller saw it). */
  answered(key: string, at = Date.now()): void {
    this.record(key).answeredAt.push(at);
  }

  confirm(key: string): void {
    this.record(key).confirmed += 1;
  }

  fail(key: string, reason: string): void {
    const record = this.record(key);
    record.failed += 1;
    record.lastError = reason;
  }

  /** One handler invocation of `driver`: how long it took against the time it was given. */
  invocation(driver: string, durationMs: number, budgetMs: number, threw = false): void {
    const stats = this.invocationStats.get(driver) ?? { invocations: 0, worst: undefined, overruns: [], threw: 0 };
    stats.invocations += 1;
    if (threw) stats.threw += 1;
    if (!stats.worst || durationMs / budgetMs > stats.worst.durationMs / stats.worst.budgetMs) stats.worst = { durationMs, budgetMs };
    if (durationMs > budgetMs) stats.overruns.push({ durationMs, budgetMs, at: Date.now() });
    this.invocationStats.set(driver, stats);
  }

  invocations(driver: string): InvocationStats | undefined {
    return this.invocationStats.get(driver);
  }

  drivers(): string[] {
    return [...new Set([...this.records.values()].map((r) => r.driver))];
  }

  /**
   * Classifies every key against `copies` (stored copies per key, from reading every queue back).
   * Keys under this ledger's prefix that no driver issued are returned as `strangers`.
   */
  classify(copies: Map<string, StoredCopies>): { byDriver: Classification[]; strangers: string[] } {
    const byDriver = new Map<string, Classification>();
    for (const r of this.records.values()) {
      const c = byDriver.get(r.driver) ?? emptyClassification(r.driver, this.invocations(r.driver));
      byDriver.set(r.driver, c);
      const found = copies.get(r.key);
      const stored = found?.copies ?? 0;
      c.sent += 1;
      if (r.confirmed > 0) c.confirmed += 1;
      if (r.failed > 0) c.reportedFailed += 1;
      if (stored > 0) c.stored += 1;
      if (r.confirmed > 0 && stored > 0) c.confirmedStored += 1;
      if (r.confirmed > 0 && stored === 0) {
        c.lost += 1;
        if (c.lostKeys.length < 20) c.lostKeys.push(r.key);
      }
      if (r.failed > 0 && stored > r.confirmed) c.failedButStored += 1;
      if (r.confirmed === 0 && r.failed > 0 && stored === 0) c.failedNotStored += 1;
      if (r.confirmed === 0 && r.failed === 0) c.unanswered += 1;
      if (stored > 1) {
        c.duplicates += 1;
        c.extraCopies += stored - 1;
        if (!sameUniqKey(found!.uniqKeys)) {
          c.differentUniqKey += 1;
          if (c.differentUniqKeyKeys.length < 20) c.differentUniqKeyKeys.push(r.key);
        }
        if (r.receives > 1) {
          c.duplicatesAfterRedelivery += 1;
          if (storedAgain(r, found!.storedAt)) c.storedAgain += 1;
        }
      }
      if (r.receives > 1) c.redelivered += 1;
    }
    const strangers = [...copies.keys()].filter((k) => !this.records.has(k));
    return { byDriver: [...byDriver.values()], strangers };
  }
}

function emptyClassification(driver: string, invocations: InvocationStats | undefined): Classification {
  return {
    driver,
    sent: 0,
    confirmed: 0,
    reportedFailed: 0,
    stored: 0,
    confirmedStored: 0,
    lost: 0,
    failedButStored: 0,
    failedNotStored: 0,
    duplicates: 0,
    extraCopies: 0,
    differentUniqKey: 0,
    differentUniqKeyKeys: [],
    duplicatesAfterRedelivery: 0,
    storedAgain: 0,
    unanswered: 0,
    redelivered: 0,
    invocations,
    lostKeys: [],
  };
}

/**
 * A copy stored by the time the second hand-over began (by the first answer, or before the second
 * hand-over), and another stored after both. Store times are whole ms, so a copy in the ms of the
 * first answer counts as before, and one in the ms the second hand-over began (after the first
 * answer) as after: exact when the second hand-over begins in a later ms than the first answer.
 */
function storedAgain(r: KeyRecord, storedAt: (number | undefined)[]): boolean {
  const again = r.receivedAt[1]!;
  const first = r.answeredAt[0] ?? again;
  const times = storedAt.filter((t): t is number => t !== undefined);
  return times.some((t) => t <= first || t < again) && times.some((t) => t > first && t >= again);
}

/** The copies of one key read back: how many, and the UNIQ_KEY (undefined: none) and store time of each, in read order. */
export interface StoredCopies {
  copies: number;
  uniqKeys: (string | undefined)[];
  storedAt: (number | undefined)[];
}

/** Every copy carries one and the same UNIQ_KEY. */
export function sameUniqKey(uniqKeys: (string | undefined)[]): boolean {
  return uniqKeys.every((u) => u !== undefined && u === uniqKeys[0]);
}

/** Stored copies per key under `prefix`, with their UNIQ_KEYs, from the keys of every message read back. */
export function countCopies(messages: { keys: string[]; uniqKey?: string | undefined; storeTimestamp?: number }[], prefix: string): Map<string, StoredCopies> {
  const copies = new Map<string, StoredCopies>();
  for (const m of messages) {
    for (const key of new Set(m.keys)) {
      if (!key.startsWith(`${prefix}-`)) continue;
      const entry = copies.get(key) ?? { copies: 0, uniqKeys: [], storedAt: [] };
      entry.copies += 1;
      entry.uniqKeys.push(m.uniqKey);
      entry.storedAt.push(m.storeTimestamp);
      copies.set(key, entry);
    }
  }
  return copies;
}
