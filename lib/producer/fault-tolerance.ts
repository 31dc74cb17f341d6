// Latency fault tolerance (MQFaultStrategy, LatencyFaultToleranceImpl, FaultItem): a broker whose
// send took long, or failed, is unavailable for a while. The state sits behind FaultStore so it
// can live somewhere shared (DynamoDB) instead of this process only.
import type { FaultItem, FaultStore } from '../state/fault-store.ts';

export interface FaultTables {
  /** Latency thresholds in ms, ascending. */
  latencyMax: readonly number[];
  /** Unavailable duration in ms for a latency at or above the threshold of the same index. */
  notAvailableDuration: readonly number[];
  /** The latency a failed send counts as. */
  failureLatency: number;
}

/** RocketMQ 4.x (and 5.0.0 to 5.1.3) MQFaultStrategy tables. Our default. */
export const FAULT_TABLES_4X: FaultTables = {
  latencyMax: [50, 100, 550, 1000, 2000, 3000, 15000],
  notAvailableDuration: [0, 0, 30000, 60000, 120000, 180000, 600000],
  failureLatency: 30000,
};

/** RocketMQ 5.1.4+ (RIP-63): shorter isolations. */
export const FAULT_TABLES_5X: FaultTables = {
  latencyMax: [50, 100, 550, 1800, 3000, 5000, 15000],
  notAvailableDuration: [0, 0, 2000, 5000, 6000, 10000, 30000],
  failureLatency: 10000,
};

export function notAvailableDuration(tables: FaultTables, latency: number): number {
  for (let i = tables.latencyMax.length - 1; i >= 0; i--) {
    if (latency >= tables.latencyMax[i]!) return tables.notAvailableDuration[i]!;
  }
  return 0;
}

export class LatencyFaultTolerance {
  private worstIndex = Math.floor(Math.random() * 1024);

  constructor(
    readonly store: FaultStore,
    readonly tables: FaultTables = FAULT_TABLES_4X,
    private readonly now: () => number = Date.now,
  ) {}

  /** MQFaultStrategy.updateFaultItem: a failure counts as `failureLatency`. */
  update(brokerName: string, latency: number, failed: boolean): FaultItem {
    const duration = notAvailableDuration(this.tables, failed ? this.tables.failureLatency : latency);
    const item = { brokerName, currentLatency: latency, startTimestamp: this.now() + duration };
    this.store.set(item);
    return item;
  }

  isAvailable(brokerName: string): boolean {
    const item = this.store.get(brokerName);
    return !item || this.now() >= item.startTimestamp;
  }

  /** Milliseconds until the broker is available again; 0 when it is. */
  isolatedFor(brokerName: string): number {
    const item = this.store.get(brokerName);
    return item ? Math.max(0, item.startTimestamp - this.now()) : 0;
  }

  /** Available from now on, whatever the tables say about `latency` (a probe it answered). */
  lift(brokerName: string, latency: number): void {
    this.store.set({ brokerName, currentLatency: latency, startTimestamp: this.now() });
  }

  remove(brokerName: string): void {
    this.store.delete(brokerName);
  }

  /**
   * The least bad broker: items ordered available first, then by lower latency, then earlier
   * start; one of the better half, round-robin (LatencyFaultToleranceImpl.pickOneAtLeast).
   */
  pickOneAtLeast(): string | undefined {
    const now = this.now();
    const items = this.store.all().sort((a, b) => {
      const availableA = now >= a.startTimestamp;
      const availableB = now >= b.startTimestamp;
      if (availableA !== availableB) return availableA ? -1 : 1;
      if (a.currentLatency !== b.currentLatency) return a.currentLatency - b.currentLatency;
      return a.startTimestamp - b.startTimestamp;
    });
    if (items.length === 0) return undefined;
    const half = Math.floor(items.length / 2);
    if (half <= 0) return items[0]!.brokerName;
    return items[this.worstIndex++ % half]!.brokerName;
  }
}
