// Where one process keeps which brokers it avoids until when (LatencyFaultToleranceImpl's
// faultItemTable), behind an interface so the shared state can stand in front of it.

export interface FaultItem {
  brokerName: string;
  currentLatency: number;
  /** Epoch ms from which the broker is available again. */
  startTimestamp: number;
}

export interface FaultStore {
  get(brokerName: string): FaultItem | undefined;
  set(item: FaultItem): void;
  delete(brokerName: string): void;
  all(): FaultItem[];
}

export class MemoryFaultStore implements FaultStore {
  private readonly items = new Map<string, FaultItem>();
  get(brokerName: string): FaultItem | undefined {
    return this.items.get(brokerName);
  }
  set(item: FaultItem): void {
    this.items.set(item.brokerName, item);
  }
  delete(brokerName: string): void {
    this.items.delete(brokerName);
  }
  all(): FaultItem[] {
    return [...this.items.values()];
  }
}
