// A unit of work among many that share one producer: a Lambda invocation, of which Lambda Managed
// Instances run up to 64 at once in a worker thread. What a scope starts (async sends, lookups,
// heartbeats, probes, shared-state writes, trace records) is settled by its own flush, counted in
// its own counters and given up at its own deadline, apart from what the others started. The
// producer finds the current scope through `ProducerOptions.scope` (the Lambda adapter reads it
// from the runtime's invoke store); work started outside any scope (Lambda's init phase) is
// settled by every scope's flush, so it is never left running either.
import type { CallScope } from '../state/state-sync.ts';
import { TraceBuffer } from '../trace/tracer.ts';
import { PendingWork } from './pending.ts';

/** What a scope counts: the producer's counters of the same name, limited to the scope's work. */
export const SCOPE_COUNTERS = [
  'sends',
  'attempts',
  'retries',
  'failures',
  'staleReconnects',
  'isolationProbes',
  'isolationsLifted',
  'traceRecordsSent',
  'traceRecordsFailed',
  'traceRecordsDropped',
  'stateReads',
  'stateWrites',
  'stateErrors',
  'stateLostRaces',
  'isolationsLearned',
  'isolationsSeen',
] as const;

export type ScopeCounter = (typeof SCOPE_COUNTERS)[number];

export class WorkScope implements CallScope {
  readonly pending = new PendingWork();
  readonly counts = Object.fromEntries(SCOPE_COUNTERS.map((name) => [name, 0])) as Record<ScopeCounter, number>;
  /** Shared-state calls this scope started and has not seen settle; ended at its deadline. */
  readonly calls = new Set<AbortController>();
  /** Set once the scope is past its deadline: a shared-state call it starts is given up at once. */
  closing = false;
  /** Trace records of this scope's sends, sent by its flush. */
  readonly trace = new TraceBuffer();
  /** Whether the unit of work has answered: see end(). */
  ended = false;

  /**
   * The unit of work has answered (its final flush is done). Work that still starts in its async
   * context, a continuation of something it gave up waiting for, counts as started outside any
   * scope from now on, so the next scope's flush waits for it instead of nobody.
   */
  end(): void {
    this.ended = true;
  }
}

/** Where the producer finds the scope it is working for now; undefined outside any. */
export type ScopeSource = () => WorkScope | undefined;

/** `source`, but never a scope that has ended. */
export function liveScopes(source: ScopeSource): ScopeSource {
  return () => {
    const scope = source();
    return scope?.ended ? undefined : scope;
  };
}

/**
 * Makes the named fields of a counters object count in the current scope too: each change of the
 * field adds the same amount to the scope's counter. The producer's parts keep their plain
 * `counters.x += 1` and need not know that scopes exist; the producer wires this once, at
 * construction, over the counters it reports in stats().
 */
export function countInScope<T extends object>(counters: T, fields: Partial<Record<keyof T & string, ScopeCounter>>, scope: ScopeSource): void {
  for (const [field, name] of Object.entries(fields) as [keyof T & string, ScopeCounter][]) {
    let value = counters[field] as number;
    Object.defineProperty(counters, field, {
      enumerable: true,
      get: () => value,
      set: (next: number) => {
        const current = scope();
        if (current) current.counts[name] += next - value;
        value = next;
      },
    });
  }
}
