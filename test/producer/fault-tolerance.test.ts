// LatencyFaultTolerance against the 4.x and 5.x MQFaultStrategy tables and FaultItem ordering.
import { describe, expect, it } from 'vitest';
import { FAULT_TABLES_4X, FAULT_TABLES_5X, LatencyFaultTolerance, notAvailableDuration } from '../../lib/internal.ts';
import { MemoryFaultStore } from '../../lib/internal.ts';
import { QueueSelector } from '../../lib/internal.ts';
import { toPublishInfo } from '../../lib/internal.ts';

describe('isolation tables', () => {
  it('maps latencies to the 4.x durations: 550/1000/2000/3000/15000 ms -> 30/60/120/180/600 s', () => {
    const durations = [0, 99, 100, 549, 550, 999, 1000, 2000, 3000, 14999, 15000, 30000].map((l) => notAvailableDuration(FAULT_TABLES_4X, l));

    expect(durations).toEqual([0, 0, 0, 0, 30000, 30000, 60000, 120000, 180000, 180000, 600000, 600000]);
  });

  it('maps latencies to the 5.1.4+ durations, and a failure to 10 s there', () => {
    expect([550, 1800, 3000, 5000, 15000].map((l) => notAvailableDuration(FAULT_TABLES_5X, l))).toEqual([2000, 5000, 6000, 10000, 30000]);
    expect(notAvailableDuration(FAULT_TABLES_5X, FAULT_TABLES_5X.failureLatency)).toBe(10000);
  });

  it('counts a failed send as 30000 ms under 4.x: 600 s of isolation', () => {
    let now = 1_000_000;
    const faults = new LatencyFaultTolerance(new MemoryFaultStore(), FAULT_TABLES_4X, () => now);

    faults.update('b', 12, true);

    expect(faults.isolatedFor('b')).toBe(600_000);
    now += 600_000;
    expect(faults.isAvailable('b')).toBe(true);
  });
});

describe('pickOneAtLeast', () => {
  it('picks from the better half: available first, then lower latency, then earlier start', () => {
    const now = 1_000_000;
    const faults = new LatencyFaultTolerance(new MemoryFaultStore(), FAULT_TABLES_4X, () => now);
    faults.store.set({ brokerName: 'isolated-fast', currentLatency: 1, startTimestamp: now + 5000 });
    faults.store.set({ brokerName: 'available-slow', currentLatency: 900, startTimestamp: now - 1 });
    faults.store.set({ brokerName: 'available-fast', currentLatency: 10, startTimestamp: now - 1 });
    faults.store.set({ brokerName: 'isolated-slow', currentLatency: 800, startTimestamp: now + 1 });

    const picks = new Set(Array.from({ length: 20 }, () => faults.pickOneAtLeast()));

    expect([...picks].sort()).toEqual(['available-fast', 'available-slow']);
  });

  it('picks the only item when there is one, and nothing when there is none', () => {
    const faults = new LatencyFaultTolerance(new MemoryFaultStore());
    expect(faults.pickOneAtLeast()).toBeUndefined();
    faults.update('only', 5000, false);
    expect(faults.pickOneAtLeast()).toBe('only');
  });
});

describe('queue selection', () => {
  const info = toPublishInfo('T', {
    queueDatas: ['a', 'b'].map((brokerName) => ({ brokerName, readQueueNums: 2, writeQueueNums: 2, perm: 6, topicSysFlag: 0 })),
    brokerDatas: ['a', 'b'].map((brokerName) => ({ cluster: 'c', brokerName, brokerAddrs: { '0': `${brokerName}:1` } })),
  });

  it('goes round-robin over every queue', () => {
    const selector = new QueueSelector(new LatencyFaultTolerance(new MemoryFaultStore()));

    const picks = Array.from({ length: 4 }, () => selector.select(info)).map((q) => `${q.brokerName}${q.queueId}`);

    expect(new Set(picks).size).toBe(4);
  });

  it('avoids the last broker on a retry, with or without fault tolerance', () => {
    for (const faults of [new LatencyFaultTolerance(new MemoryFaultStore()), null]) {
      const selector = new QueueSelector(faults);
      const picks = Array.from({ length: 10 }, () => selector.select(info, 'a').brokerName);
      expect(new Set(picks)).toEqual(new Set(['b']));
    }
  });

  it('skips an isolated broker, and falls back to the least bad one when all are isolated', () => {
    const faults = new LatencyFaultTolerance(new MemoryFaultStore());
    const selector = new QueueSelector(faults);
    faults.update('a', 0, true);

    const whileAIsolated = new Set(Array.from({ length: 10 }, () => selector.select(info).brokerName));
    faults.update('b', 0, true);
    const whileBothIsolated = selector.select(info);

    expect(whileAIsolated).toEqual(new Set(['b']));
    expect(['a', 'b']).toContain(whileBothIsolated.brokerName);
    expect([0, 1]).toContain(whileBothIsolated.queueId);
  });
});
