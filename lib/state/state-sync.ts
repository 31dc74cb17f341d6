// Keeps one producer's local fault state and route cache in step with the shared state:
// - cold start: one load; live isolations are applied as if seen here, fresh routes are used
//   without asking the name server;
// - warm: faults re-read at most every refreshIntervalMs, nothing in between;
// - writes only on change (a new or longer isolation, an early recovery, a changed route), each
//   conditional, a lost race taken as the answer, every write tracked so flush() awaits it;
// - shared state down: the producer goes on with local state, one log line per episode; while it
//   is down a write gets a short try only (a frozen store must not hold the invocation), and the
//   isolations that could not be written are written once the store answers again;
// - no call outlives the invocation: abortInFlight() ends them at a Lambda deadline, those of the
//   invocation whose deadline it is when invocations share the producer (CallScope).
import type { FaultItem, FaultStore } from './fault-store.ts';
import type { RouteCache } from '../route/route-cache.ts';
import { sameRoute, type TopicRouteData } from '../protocol/topic-route.ts';
import type { FaultRecord, RouteRecord, SharedState, WriteOutcome } from './shared-state.ts';

/**
 * The part of a scope of work (one of the invocations sharing a producer) that the sync reads:
 * the calls the scope started, ended at its deadline, and whether it is past it.
 */
export interface CallScope {
  readonly calls: Set<AbortController>;
  closing: boolean;
}

export interface StateSyncOptions {
  refreshIntervalMs: number;
  /** A stored route older than this is not trusted at cold start. */
  routeMaxAgeMs: number;
  log: (entry: Record<string, unknown>) => void;
  track: (work: Promise<unknown>) => void;
  /** The scope a call starts in; calls outside any scope are the sync's own. */
  scope?: () => CallScope | undefined;
  now?: () => number;
}

/** How long a write may take while the store is known to be down. */
const DEGRADED_WRITE_MS = 250;

/** Below this, a local isolation is the one the fleet already knows: no write. */
const SAME_ISOLATION_SLACK_MS = 1000;

export class StateSync {
  readonly counters = {
    reads: 0,
    writes: 0,
    lostRaces: 0,
    errors: 0,
    degradedEpisodes: 0,
    isolationsLearned: 0,
    isolationsSeen: 0,
    recoveriesWritten: 0,
    routesLoaded: 0,
    routesWritten: 0,
    /** Calls not made because the invocation had reached its deadline. */
    abandoned: 0,
  };
  degraded = false;
  private readonly known = new Map<string, FaultRecord>();
  private readonly knownRoutes = new Map<string, RouteRecord>();
  private readonly unwritten = new Map<string, FaultRecord>();
  private lastFaultLoad = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<void> | null = null;
  private readonly inFlight = new Set<AbortController>();
  /** Calls started outside any scope (the init phase), ended at any scope's deadline too. */
  private readonly unscoped: CallScope = { calls: new Set(), closing: false };
  /** Set while the producer as a whole is past a deadline: every call is given up as it starts. */
  private closing = false;
  private readonly now: () => number;

  constructor(
    readonly shared: SharedState,
    private readonly local: FaultStore,
    private readonly options: StateSyncOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The store the fault tolerance writes to: local first, shared when something changed. */
  faultStore(): FaultStore {
    return {
      get: (name) => this.local.get(name),
      all: () => this.local.all(),
      delete: (name) => this.local.delete(name),
      set: (item) => {
        this.local.set(item);
        this.onLocalFault(item);
      },
    };
  }

  /**
   * Cold start: faults and routes in one round trip, given up at `deadline` (the store is an aid,
   * never a reason to miss a Lambda's deadline). A failed load counts as a load: the next re-read
   * waits its interval like after a good one.
   */
  async load(routes: RouteCache, deadline = Number.POSITIVE_INFINITY): Promise<void> {
    this.lastFaultLoad = this.now();
    const state = await this.guard((signal) => this.shared.load(signal), 'reads', deadline);
    if (!state) return;
    for (const fault of state.faults) this.applyShared(fault);
    for (const record of state.routes) {
      this.knownRoutes.set(record.topic, record);
      if (this.now() - record.fetchedAt > this.options.routeMaxAgeMs) continue;
      routes.put(record.topic, record.route, record.fetchedAt); // its real age: refreshed when old
      this.counters.routesLoaded += 1;
    }
  }

  /**
   * Maintenance (the scheduled refresh): re-reads faults and routes now, applies the faults, and
   * returns the topics whose routes the store holds. Undefined when the store did not answer.
   */
  async reload(deadline = Number.POSITIVE_INFINITY): Promise<string[] | undefined> {
    this.lastFaultLoad = this.now();
    const state = await this.guard((signal) => this.shared.load(signal), 'reads', deadline);
    if (!state) return undefined;
    for (const fault of state.faults) this.applyShared(fault);
    for (const record of state.routes) this.knownRoutes.set(record.topic, record);
    return state.routes.map((r) => r.topic);
  }

  /**
   * Warm: re-read faults when the interval has passed; otherwise no call at all. Sends that arrive
   * while a re-read is under way wait for that one instead of going on with the old state, but
   * none past its own `deadline`; the read itself is given up at the first caller's.
   */
  refreshIfDue(deadline = Number.POSITIVE_INFINITY): Promise<void> {
    if (this.refreshing) return waitUntil(this.refreshing, deadline);
    if (this.now() - this.lastFaultLoad < this.options.refreshIntervalMs) return Promise.resolve();
    this.lastFaultLoad = this.now();
    this.refreshing = this.guard((signal) => this.shared.loadFaults(signal), 'reads', deadline)
      .then((faults) => {
        for (const fault of faults ?? []) this.applyShared(fault);
      })
      .finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }

  /** A route fetched from a name server: written back when new, changed, or getting old. */
  onRouteFetched(topic: string, route: TopicRouteData, fetchedAt: number): void {
    const known = this.knownRoutes.get(topic);
    if (known && sameRoute(known.route, route) && fetchedAt - known.fetchedAt < this.options.routeMaxAgeMs / 2) return;
    const record = { topic, route, fetchedAt };
    this.knownRoutes.set(topic, record);
    this.options.track(
      this.guard((signal) => this.shared.putRoute(record, signal), 'writes').then((outcome) => {
        if (outcome?.written) this.counters.routesWritten += 1;
        else if (outcome) this.lost(outcome, (winner) => this.knownRoutes.set(topic, winner));
      }),
    );
  }

  private onLocalFault(item: FaultItem): void {
    const now = this.now();
    const known = this.known.get(item.brokerName);
    if (item.startTimestamp > now) {
      if (known && known.isolatedUntil >= item.startTimestamp - SAME_ISOLATION_SLACK_MS) return;
      this.counters.isolationsSeen += 1;
      this.writeFault({ brokerName: item.brokerName, isolatedUntil: item.startTimestamp, latencyMs: item.currentLatency, updatedAt: now });
    } else if (known && known.isolatedUntil > now) {
      // A broker the fleet avoids just answered well here (a fallback or ordered send): lift it.
      const seenUntil = known.isolatedUntil;
      this.known.set(item.brokerName, { ...known, isolatedUntil: now, updatedAt: now });
      this.options.track(
        this.guard((signal) => this.shared.recordRecovery(item.brokerName, seenUntil, now, signal), 'writes').then((outcome) => {
          if (outcome?.written) this.counters.recoveriesWritten += 1;
          else if (outcome) this.lost(outcome, (winner) => this.applyShared(winner));
        }),
      );
    }
  }

  private writeFault(record: FaultRecord): void {
    this.known.set(record.brokerName, record);
    this.options.track(
      this.guard((signal) => this.shared.recordFault(record, signal), 'writes').then((outcome) => {
        if (!outcome) {
          this.unwritten.set(record.brokerName, record); // written once the store is back
          return;
        }
        this.unwritten.delete(record.brokerName);
        if (!outcome.written) this.lost(outcome, (winner) => this.applyShared(winner));
      }),
    );
  }

  private lost<T>(outcome: WriteOutcome<T>, apply: (winner: T) => void): void {
    this.counters.lostRaces += 1;
    if (!outcome.written && outcome.winner) apply(outcome.winner);
  }

  /**
   * Whether this process may probe an isolated broker now: it claims the probe in the shared store
   * so the fleet probes each broker once per interval. A broker the store no longer isolates is
   * lifted here too (no probe needed); with the store down or not knowing the broker, probe locally.
   */
  async claimProbe(brokerName: string, intervalMs: number, deadline: number): Promise<boolean> {
    if (this.degraded) return true;
    const now = this.now();
    const outcome = await this.guard((signal) => this.shared.claimProbe(brokerName, now, now - intervalMs, signal), 'writes', deadline);
    if (this.closing || this.currentScope().closing) return false; // past the invocation's deadline: no probe either
    if (!outcome || outcome.written) return true;
    this.counters.lostRaces += 1;
    if (!outcome.winner) return true;
    if (outcome.winner.isolatedUntil <= now) this.applyShared(outcome.winner);
    return false;
  }

  /** Takes a shared record as if this process had seen it; expired isolations lift learned ones. */
  private applyShared(record: FaultRecord): void {
    const now = this.now();
    const previous = this.known.get(record.brokerName);
    this.known.set(record.brokerName, record);
    const local = this.local.get(record.brokerName);
    if (record.isolatedUntil > now) {
      if (!local || local.startTimestamp < record.isolatedUntil) {
        if (!local || local.startTimestamp <= now) this.counters.isolationsLearned += 1;
        this.local.set({ brokerName: record.brokerName, currentLatency: record.latencyMs, startTimestamp: record.isolatedUntil });
      }
    } else if (local && previous && local.startTimestamp === previous.isolatedUntil && local.startTimestamp > now) {
      // The isolation this process learned was lifted early elsewhere (a recovery was recorded).
      this.local.set({ brokerName: record.brokerName, currentLatency: record.latencyMs, startTimestamp: record.isolatedUntil });
    }
  }

  private currentScope(): CallScope {
    return this.options.scope?.() ?? this.unscoped;
  }

  /** Runs a call to the shared store; on failure (or at `deadline`) the producer degrades to local state. */
  private async guard<T>(call: (signal?: AbortSignal) => Promise<T>, kind: 'reads' | 'writes', deadline = Number.POSITIVE_INFINITY): Promise<T | undefined> {
    const scope = this.currentScope();
    if (this.closing || scope.closing) {
      this.counters.abandoned += 1; // past the invocation's deadline: not even tried, not an error
      return undefined;
    }
    this.counters[kind] += 1;
    // While the store is down a write gets a short try: enough for a store that is back, too
    // short for a frozen one to hold the invocation that made it.
    if (this.degraded && kind === 'writes') deadline = Math.min(deadline, Date.now() + DEGRADED_WRITE_MS);
    const abort = new AbortController();
    this.inFlight.add(abort);
    scope.calls.add(abort);
    const timer = Number.isFinite(deadline) ? setTimeout(() => abort.abort(new Error('deadline reached')), Math.max(0, deadline - Date.now())) : undefined;
    try {
      const result = await call(abort.signal);
      if (this.degraded) {
        this.degraded = false;
        this.options.log({ level: 'info', message: 'shared state answers again; writing what was kept locally', unwritten: this.unwritten.size });
      }
      if (this.unwritten.size > 0 && kind === 'reads') {
        for (const record of [...this.unwritten.values()]) if (record.isolatedUntil > this.now()) this.writeFault(record);
      }
      return result;
    } catch (err) {
      this.counters.errors += 1;
      if (!this.degraded) {
        this.degraded = true;
        this.counters.degradedEpisodes += 1;
        this.options.log({
          level: 'warn',
          message: 'shared state unavailable; going on with local state',
          error: (err as Error).name,
          detail: (err as Error).message,
        });
      }
      return undefined;
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(abort);
      scope.calls.delete(abort);
    }
  }

  /**
   * Ends the calls to the store now, and any started until `resume()`: what was being written is
   * kept as when the store is down. For an invocation at its deadline: with its `scope`, the calls
   * it started (and those started outside any scope), never another invocation's; without, all.
   */
  abortInFlight(scope?: CallScope): void {
    const ended = scope ? [scope, this.unscoped] : [{ calls: this.inFlight }, this.unscoped];
    if (scope) scope.closing = true;
    else this.closing = true;
    this.unscoped.closing = true;
    for (const { calls } of ended) for (const abort of calls) abort.abort(new Error('the invocation reached its deadline'));
  }

  resume(scope?: CallScope): void {
    if (scope) scope.closing = false;
    else this.closing = false;
    this.unscoped.closing = false;
  }
}

/** Resolves when `work` settles or at `deadline`, whichever comes first; never rejects. */
function waitUntil(work: Promise<unknown>, deadline: number): Promise<void> {
  if (!Number.isFinite(deadline))
    return work.then(
      () => undefined,
      () => undefined,
    );
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))));
  return Promise.race([
    work.then(
      () => undefined,
      () => undefined,
    ),
    late,
  ]).finally(() => clearTimeout(timer));
}
