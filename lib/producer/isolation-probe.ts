// Re-admits an isolated broker that answers again, in the spirit of 5.x's reachability detection
// (LatencyFaultToleranceImpl.detectByOneRound): the 4.x tables keep a broker that failed once out
// for up to 600 s, so a 5 s freeze would leave half of a two-broker cluster idle for 10 minutes.
// No timers: a send that meets an isolated broker of its route starts a probe beside itself when
// `intervalMs` has passed since the isolation was first seen here or since the last probe. A probe
// is one heartbeat with a short timeout; an answer lifts the isolation (and the shared state
// writes the recovery for the fleet). With shared state, a probe is claimed first, so one
// container of the fleet probes a broker per interval, not all of them at once.
import type { LatencyFaultTolerance } from './fault-tolerance.ts';

export interface IsolationProbeOptions {
  intervalMs: number;
  timeoutMs: number;
  /** Sends the probe; resolves when the broker answered. */
  ping: (address: string, timeoutMs: number) => Promise<void>;
  /** Whether this process may probe now (shared claim); always when absent. */
  claim?: (brokerName: string, deadline: number) => Promise<boolean>;
  now?: () => number;
}

const NONE: readonly Promise<boolean>[] = [];

export class IsolationProbe {
  /** When this process first saw the broker isolated, or last probed it. */
  private readonly lastTried = new Map<string, number>();
  private readonly running = new Set<string>();
  private readonly now: () => number;
  readonly counters = { probes: 0, lifted: 0 };

  constructor(
    private readonly faults: LatencyFaultTolerance,
    private readonly options: IsolationProbeOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Starts the probes that are due among `masters` (broker -> address); returns them to be tracked. */
  due(masters: ReadonlyMap<string, string>, deadline = Number.POSITIVE_INFINITY): readonly Promise<boolean>[] {
    let started: Promise<boolean>[] | undefined; // made only when a probe starts: this runs for every send
    const now = this.now();
    for (const [broker, address] of masters) {
      if (this.faults.isAvailable(broker)) {
        this.lastTried.delete(broker);
        continue;
      }
      const last = this.lastTried.get(broker);
      if (last === undefined) this.lastTried.set(broker, now);
      else if (now - last >= this.options.intervalMs && !this.running.has(broker)) {
        started ??= [];
        started.push(this.probe(broker, address, deadline));
      }
    }
    return started ?? NONE;
  }

  /** Probes one isolated broker now; true when it answered and was re-admitted. */
  async probe(broker: string, address: string, deadline = Number.POSITIVE_INFINITY): Promise<boolean> {
    this.running.add(broker);
    this.lastTried.set(broker, this.now());
    try {
      const timeoutMs = Math.min(this.options.timeoutMs, deadline - Date.now());
      if (timeoutMs <= 0) return false;
      if (this.options.claim && !(await this.options.claim(broker, Date.now() + timeoutMs))) return false;
      this.counters.probes += 1;
      const started = Date.now();
      await this.options.ping(address, Math.max(1, Math.min(this.options.timeoutMs, deadline - Date.now())));
      if (this.faults.isAvailable(broker)) return false; // lifted meanwhile (elsewhere, or a send answered)
      this.faults.lift(broker, Date.now() - started);
      this.counters.lifted += 1;
      return true;
    } catch {
      return false; // still down: the isolation stands
    } finally {
      this.running.delete(broker);
    }
  }
}
