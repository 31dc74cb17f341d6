// StateSync's rules for a store that fails, hangs or comes back, with a scripted SharedState (the
// real DynamoDB cannot be made to hang for one call on cue; test/faults freezes the real one).
import { describe, expect, it } from 'vitest';
import { MemoryFaultStore, MemorySharedState, StateSync, WorkScope, type CallScope, type FaultRecord, type SharedState } from '../../lib/internal.ts';

/** A store that answers like memory, fails while `down`, and hangs until aborted while `hanging`. */
class ScriptedStore extends MemorySharedState {
  down = false;
  hanging = false;
  faultWrites: FaultRecord[] = [];

  private gate<T>(signal: AbortSignal | undefined, answer: () => Promise<T>): Promise<T> {
    if (this.down) return Promise.reject(new Error('store down'));
    if (!this.hanging) return answer();
    return new Promise<T>((_, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted'))));
  }

  override loadFaults(signal?: AbortSignal) {
    return this.gate(signal, () => super.loadFaults());
  }

  override load(signal?: AbortSignal) {
    return this.gate(signal, () => super.load());
  }

  override recordFault(record: FaultRecord, signal?: AbortSignal) {
    this.faultWrites.push(record);
    return this.gate(signal, () => super.recordFault(record));
  }
}

function sync(store: SharedState, scope?: () => CallScope | undefined) {
  const work: Promise<unknown>[] = [];
  const state = new StateSync(store, new MemoryFaultStore(), {
    refreshIntervalMs: 0,
    routeMaxAgeMs: 3_600_000,
    log: () => undefined,
    track: (w) => work.push(w),
    ...(scope ? { scope } : {}),
  });
  const settle = () => Promise.allSettled(work.splice(0));
  return { state, settle };
}

const isolate = (state: StateSync, brokerName: string) => state.faultStore().set({ brokerName, currentLatency: 3000, startTimestamp: Date.now() + 600_000 });

describe('StateSync with a store that misbehaves', () => {
  it('makes no call at all once the invocation is past its deadline, and writes it later', async () => {
    const store = new ScriptedStore();
    const { state, settle } = sync(store);

    state.abortInFlight();
    isolate(state, 'broker-a');
    await settle();
    const whileClosing = { writes: store.faultWrites.length, abandoned: state.counters.abandoned };
    state.resume();
    await state.refreshIfDue();
    await settle();

    expect(whileClosing).toEqual({ writes: 0, abandoned: 1 });
    expect(store.faultWrites.map((f) => f.brokerName)).toEqual(['broker-a']);
  });

  it("ends at one invocation's deadline only the calls that invocation started, and none it starts after", async () => {
    const store = new ScriptedStore();
    let current: WorkScope | undefined;
    const { state, settle } = sync(store, () => current);
    const [a, b] = [new WorkScope(), new WorkScope()];
    store.hanging = true;
    current = a;
    isolate(state, 'broker-a');
    current = b;
    isolate(state, 'broker-b');
    const [inA, inB] = [a.calls.size, b.calls.size];

    state.abortInFlight(a);
    await Promise.resolve();
    const afterAbort = [a.calls.size, b.calls.size];
    current = a;
    isolate(state, 'broker-c'); // a is past its deadline: not even tried
    current = b;
    isolate(state, 'broker-d'); // b is not
    const writes = store.faultWrites.map((f) => f.brokerName);
    state.abortInFlight(b);
    await settle();

    expect([inA, inB]).toEqual([1, 1]);
    expect(afterAbort).toEqual([0, 1]);
    expect(writes).toEqual(['broker-a', 'broker-b', 'broker-d']);
    expect(state.counters.abandoned).toBe(1);
  });

  it('gives a write made while the store is down a short try, not the client timeouts', async () => {
    const store = new ScriptedStore();
    const { state, settle } = sync(store);
    store.down = true;
    await state.refreshIfDue(); // fails: degraded
    store.down = false;
    store.hanging = true;

    const started = Date.now();
    isolate(state, 'broker-b');
    await settle();
    const took = Date.now() - started;

    expect(state.degraded).toBe(true);
    expect(store.faultWrites).toHaveLength(1);
    expect(took).toBeLessThan(2000); // 250 ms here; an unbounded write would hang for good
  });

  it('writes the isolation it kept once a read succeeds again', async () => {
    const store = new ScriptedStore();
    const { state, settle } = sync(store);
    store.down = true;
    isolate(state, 'broker-c');
    await settle();
    const attemptsWhileDown = store.faultWrites.length;

    store.down = false;
    await state.refreshIfDue();
    await settle();

    expect(attemptsWhileDown).toBe(1); // tried once, failed, kept
    expect(store.faultWrites).toHaveLength(2); // written again after the good read
    expect((await store.loadFaults()).map((f) => f.brokerName)).toEqual(['broker-c']);
  });

  it('ends a hanging re-read at the deadline it is given', async () => {
    const store = new ScriptedStore();
    const { state } = sync(store);
    store.hanging = true;

    const started = Date.now();
    await state.refreshIfDue(Date.now() + 200);

    expect(Date.now() - started).toBeLessThan(2000);
    expect(state.degraded).toBe(true);
  });
});
