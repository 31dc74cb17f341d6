// Work started beside the sends (async sends, route refreshes, heartbeats, probes, shared-state
// writes) that must settle before an invocation returns: nothing is left running after a handler.

export class PendingWork {
  private readonly pending = new Set<Promise<unknown>>();
  /** Work counted by begin() and not yet ended. */
  private running = 0;
  /** Resolves the promise settle() waits on while counted work runs. */
  private drained: (() => void) | undefined;
  private whenDrained: Promise<void> | undefined;

  get size(): number {
    return this.pending.size + this.running;
  }

  track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    const forget = () => this.pending.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /**
   * Counts work that calls end() once when it settles: what an async send uses instead of
   * track(), whose Set entry and closure per send cost about a tenth of an async send's CPU.
   */
  begin(): void {
    this.running += 1;
  }

  end(): void {
    this.running -= 1;
    if (this.running === 0 && this.drained) {
      const resolve = this.drained;
      this.drained = undefined;
      this.whenDrained = undefined;
      resolve();
    }
  }

  private countedSettled(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    this.whenDrained ??= new Promise<void>((resolve) => {
      this.drained = resolve;
    });
    return this.whenDrained;
  }

  /** Resolves when all of it has settled, work started meanwhile included; `atDeadline` runs once at `deadline`. */
  async settle(deadline = Number.POSITIVE_INFINITY, atDeadline?: () => void): Promise<void> {
    const timer = atDeadline && Number.isFinite(deadline) ? setTimeout(atDeadline, Math.max(0, deadline - Date.now())) : undefined;
    try {
      while (this.size > 0) await Promise.allSettled([...this.pending, this.countedSettled()]);
    } finally {
      clearTimeout(timer);
    }
  }
}
