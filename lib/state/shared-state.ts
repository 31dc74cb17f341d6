// State shared by every container of a deployment: which brokers are isolated until when, and
// the routes of topics. Domain verbs only; DynamoDB is one implementation, memory another.
import type { TopicRouteData } from '../protocol/topic-route.ts';

export interface FaultRecord {
  brokerName: string;
  /** Epoch ms until which the broker is to be avoided. */
  isolatedUntil: number;
  latencyMs: number;
  updatedAt: number;
  /** Epoch ms of the last claimed probe, if any. */
  probeAt?: number;
  /** Who wrote the record last (an isolation or its lifting), when the store keeps it. */
  writtenBy?: string;
}

export interface RouteRecord {
  topic: string;
  route: TopicRouteData;
  /** Epoch ms the route was last fetched from (or confirmed by) a name server. */
  fetchedAt: number;
}

export interface LoadedState {
  faults: FaultRecord[];
  routes: RouteRecord[];
}

/** A conditional write either took effect or lost to the record that is there now. */
export type WriteOutcome<T> = { written: true } | { written: false; winner: T | undefined };

export interface SharedState {
  /** Every live fault record and every live route of this deployment, in one round trip. */
  load(signal?: AbortSignal): Promise<LoadedState>;
  loadFaults(signal?: AbortSignal): Promise<FaultRecord[]>;
  /** Newest wins: never shortens an isolation already recorded. */
  recordFault(record: FaultRecord, signal?: AbortSignal): Promise<WriteOutcome<FaultRecord>>;
  /** Lifts an isolation early, unless someone recorded a longer one after `seenUntil`. */
  recordRecovery(brokerName: string, seenUntil: number, now: number, signal?: AbortSignal): Promise<WriteOutcome<FaultRecord>>;
  /**
   * Claims the next probe of an isolated broker: taken when it is still isolated and nobody probed
   * it since `since`; a lost claim returns the record (already lifted, or probed by another).
   */
  claimProbe(brokerName: string, now: number, since: number, signal?: AbortSignal): Promise<WriteOutcome<FaultRecord>>;
  /** Never replaces a route fetched later than this one. */
  putRoute(record: RouteRecord, signal?: AbortSignal): Promise<WriteOutcome<RouteRecord>>;
  /** Calls made to the backing store, for tests and metrics. */
  readonly calls: { reads: number; writes: number };
}

/** The in-memory implementation: one process's view, same rules as the shared one. */
export class MemorySharedState implements SharedState {
  private readonly faults = new Map<string, FaultRecord>();
  private readonly routes = new Map<string, RouteRecord>();
  readonly calls = { reads: 0, writes: 0 };

  async load(_signal?: AbortSignal): Promise<LoadedState> {
    this.calls.reads += 1;
    return { faults: [...this.faults.values()], routes: [...this.routes.values()] };
  }

  async loadFaults(_signal?: AbortSignal): Promise<FaultRecord[]> {
    this.calls.reads += 1;
    return [...this.faults.values()];
  }

  async recordFault(record: FaultRecord): Promise<WriteOutcome<FaultRecord>> {
    this.calls.writes += 1;
    const existing = this.faults.get(record.brokerName);
    if (existing && existing.isolatedUntil >= record.isolatedUntil) return { written: false, winner: existing };
    this.faults.set(record.brokerName, record);
    return { written: true };
  }

  async recordRecovery(brokerName: string, seenUntil: number, now: number): Promise<WriteOutcome<FaultRecord>> {
    this.calls.writes += 1;
    const existing = this.faults.get(brokerName);
    if (!existing || existing.isolatedUntil > seenUntil) return { written: false, winner: existing };
    this.faults.set(brokerName, { ...existing, isolatedUntil: now, updatedAt: now });
    return { written: true };
  }

  async claimProbe(brokerName: string, now: number, since: number): Promise<WriteOutcome<FaultRecord>> {
    this.calls.writes += 1;
    const existing = this.faults.get(brokerName);
    if (!existing || existing.isolatedUntil <= now || (existing.probeAt ?? 0) > since) return { written: false, winner: existing };
    this.faults.set(brokerName, { ...existing, probeAt: now });
    return { written: true };
  }

  async putRoute(record: RouteRecord): Promise<WriteOutcome<RouteRecord>> {
    this.calls.writes += 1;
    const existing = this.routes.get(record.topic);
    if (existing && existing.fetchedAt >= record.fetchedAt) return { written: false, winner: existing };
    this.routes.set(record.topic, record);
    return { written: true };
  }
}
