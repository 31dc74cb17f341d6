// The scheduled function's verbs: keep the routes in the shared state current, and probe the
// isolated brokers so an isolation ends when its broker answers again, here and for the fleet.
import { asRocketError } from '../errors.ts';
import type { RouteCache } from '../route/route-cache.ts';
import type { StateSync } from '../state/state-sync.ts';
import type { ProbeOutcome, RefreshOutcome } from './api.ts';
import type { LatencyFaultTolerance } from './fault-tolerance.ts';
import type { IsolationProbe } from './isolation-probe.ts';
import { wrapNamespace } from './prepare.ts';

export interface MaintenanceDeps {
  namespace: string | undefined;
  routes: RouteCache;
  sync: StateSync | null;
  faults: LatencyFaultTolerance | null;
  probe: IsolationProbe | null;
  flush: (deadline?: number) => Promise<void>;
}

/**
 * Fetches again the routes of `topics` and of every topic the shared state holds (only changed or
 * aging routes are written back), after re-reading the shared isolations. Ends by `deadline`.
 */
export async function refreshRoutes(deps: MaintenanceDeps, topics: string[], deadline?: number): Promise<RefreshOutcome> {
  const stored = (await deps.sync?.reload(deadline)) ?? [];
  const all = new Set([...topics.map((t) => wrapNamespace(deps.namespace, t)), ...stored]);
  const writtenBefore = deps.sync?.counters.routesWritten ?? 0;
  const failures: RefreshOutcome['failures'] = [];
  for (const topic of all) {
    await deps.routes.refresh(topic, { deadline }).catch((err: unknown) => failures.push({ topic, error: asRocketError(err) }));
  }
  await deps.flush(deadline);
  return { topics: all.size, routesWritten: (deps.sync?.counters.routesWritten ?? 0) - writtenBefore, failures };
}

/** Probes every isolated broker of the cached routes now, and re-admits those that answer. */
export async function probeIsolated(deps: MaintenanceDeps, deadline?: number): Promise<ProbeOutcome> {
  const { probe, faults } = deps;
  if (!probe || !faults) return { probed: 0, lifted: 0 };
  const isolated = [...deps.routes.brokerAddresses()].filter(([broker]) => !faults.isAvailable(broker));
  const lifted = await Promise.all(isolated.map(([broker, address]) => probe.probe(broker, address, deadline)));
  await deps.flush(deadline); // the recoveries written for the fleet
  return { probed: isolated.length, lifted: lifted.filter(Boolean).length };
}
