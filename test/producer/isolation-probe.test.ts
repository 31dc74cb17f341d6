// The isolation probe's decisions with a clock and a ping of our own: when a probe is due, that a
// slow answer still lifts, that one probe runs per broker at a time, and that a lost claim stops it.
// No broker here: the real-broker behaviour is in test/faults/send-faults.test.ts.
import { describe, expect, it } from 'vitest';
import { FAULT_TABLES_4X, LatencyFaultTolerance } from '../../lib/internal.ts';
import { MemoryFaultStore } from '../../lib/internal.ts';
import { IsolationProbe } from '../../lib/internal.ts';

function setup(ping: (address: string) => Promise<void>, claim?: () => Promise<boolean>) {
  let now = 1_000_000;
  const faults = new LatencyFaultTolerance(new MemoryFaultStore(), FAULT_TABLES_4X, () => now);
  const pinged: string[] = [];
  const probe = new IsolationProbe(faults, {
    intervalMs: 10_000,
    timeoutMs: 1000,
    ping: (address) => {
      pinged.push(address);
      return ping(address);
    },
    ...(claim ? { claim } : {}),
    now: () => now,
  });
  return { faults, probe, pinged, advance: (ms: number) => (now += ms) };
}

const masters = new Map([
  ['broker-a', 'a:1'],
  ['broker-b', 'b:1'],
]);

describe('isolation probe', () => {
  it('probes an isolated broker only once the interval has passed since it was first seen isolated', async () => {
    const { faults, probe, pinged, advance } = setup(async () => undefined);
    faults.update('broker-a', 0, true); // 600 s

    const atOnce = probe.due(masters);
    advance(9_999);
    const early = probe.due(masters);
    advance(1);
    const due = probe.due(masters);
    await Promise.all(due);

    expect([atOnce.length, early.length, due.length]).toEqual([0, 0, 1]);
    expect(pinged).toEqual(['a:1']);
    expect(faults.isAvailable('broker-a')).toBe(true);
  });

  it('lifts a broker whose answer took 800 ms (a latency the tables would isolate for 30 s)', async () => {
    const { faults, probe } = setup(() => new Promise((r) => setTimeout(r, 800)));
    faults.update('broker-a', 0, true);

    const lifted = await probe.probe('broker-a', 'a:1');

    expect(lifted).toBe(true);
    expect(faults.isAvailable('broker-a')).toBe(true);
    expect(probe.counters).toEqual({ probes: 1, lifted: 1 });
  });

  it('keeps the isolation when the ping fails, and probes again one interval later, one at a time', async () => {
    const { faults, probe, pinged, advance } = setup(() => Promise.reject(new Error('timeout')));
    faults.update('broker-a', 0, true);
    probe.due(masters);
    advance(10_000);

    const first = probe.due(masters);
    const whileRunning = probe.due(masters);
    await Promise.all(first);
    advance(5_000);
    const tooSoon = probe.due(masters);
    advance(5_000);
    await Promise.all(probe.due(masters));

    expect([first.length, whileRunning.length, tooSoon.length]).toEqual([1, 0, 0]);
    expect(pinged).toEqual(['a:1', 'a:1']);
    expect(faults.isAvailable('broker-a')).toBe(false);
  });

  it('runs one probe per broker at a time, even when the interval passes while it runs', async () => {
    let release: () => void = () => undefined;
    const { faults, probe, pinged, advance } = setup(() => new Promise<void>((r) => (release = r)));
    faults.update('broker-a', 0, true);
    probe.due(masters);
    advance(10_000);

    const first = probe.due(masters);
    advance(10_000);
    const whileStillRunning = probe.due(masters);
    release();
    await Promise.all(first);

    expect([first.length, whileStillRunning.length]).toEqual([1, 0]);
    expect(pinged).toEqual(['a:1']);
  });

  it('does not probe when another container holds the claim', async () => {
    const { faults, probe, pinged } = setup(
      async () => undefined,
      async () => false,
    );
    faults.update('broker-a', 0, true);

    const lifted = await probe.probe('broker-a', 'a:1');

    expect(lifted).toBe(false);
    expect(pinged).toEqual([]);
  });
});
