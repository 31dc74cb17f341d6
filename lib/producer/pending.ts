// Work started beside the sends (async sends, route refreshes, heartbeats, probes, shared-state
// writes) that must settle before an invocation returns: nothing is left running after a handler.

export class PendingWork {
  private readonly pending = new Set<Promise<unknown>>();

  get size(): number {
    return this.pending.size;
  }

  track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    const forget = () => this.pending.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /** Resolves when all of it has settled, work started meanwhile included; `atDeadline` runs once at `deadline`. */
  async settle(deadline = Number.POSITIVE_INFINITY, atDeadline?: () => void): Promise<void> {
    const timer = atDeadline && Number.isFinite(deadline) ? setTimeout(atDeadline, Math.max(0, deadline - Date.now())) : undefined;
    try {
      while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    } finally {
      clearTimeout(timer);
    }
  }
}
