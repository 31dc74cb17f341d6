// Scheduled route refresh: routes of the configured topics and of every topic in the table are
// fetched again (the state layer writes only those that changed), isolated brokers are probed, and
// an isolation is lifted early when its broker answers again. One summary line per run.
import type { Invocation } from '../../lib/lambda/engine.ts';
import { wrapNamespace } from '../../lib/producer/prepare.ts';
import { RequestCode } from '../../lib/remoting/codes.ts';

export interface RefreshSummary {
  topics: number;
  routesWritten: number;
  refreshFailures: number;
  brokersProbed: number;
  isolationsLifted: number;
}

const PROBE_TIMEOUT_MS = 500;

export async function refreshRoutes(invocation: Invocation, configuredTopics: string[]): Promise<RefreshSummary> {
  const { producer } = invocation;
  const sync = producer.sync;
  const namespace = producer.options.namespace;
  const stored = sync ? await sync.shared.load().catch(() => ({ faults: [], routes: [] })) : { faults: [], routes: [] };
  const topics = new Set([...configuredTopics.map((t) => wrapNamespace(namespace, t)), ...stored.routes.map((r) => r.topic)]);
  const writtenBefore = sync?.counters.routesWritten ?? 0;

  const masters = new Map<string, string>();
  let refreshFailures = 0;
  for (const topic of topics) {
    try {
      const info = await producer.routes.refresh(topic);
      for (const [broker, address] of info.masters) masters.set(broker, address);
    } catch (err) {
      refreshFailures += 1;
      invocation.logger.warn('route refresh failed', { topic, error: (err as Error).message });
    }
  }

  const now = Date.now();
  const isolated = (sync ? stored.faults : producer.faults?.store.all().map((f) => ({ brokerName: f.brokerName, isolatedUntil: f.startTimestamp })) ?? [])
    .filter((f) => f.isolatedUntil > now && masters.has(f.brokerName));
  let isolationsLifted = 0;
  await Promise.all(
    isolated.map(async (fault) => {
      try {
        const response = await producer.remoting.invoke(masters.get(fault.brokerName)!, { code: RequestCode.GET_BROKER_RUNTIME_INFO, extFields: {} }, PROBE_TIMEOUT_MS);
        if (response.code !== 0) return;
      } catch {
        return; // still down: the isolation stands
      }
      if (sync) {
        const outcome = await sync.shared.recordRecovery(fault.brokerName, fault.isolatedUntil, Date.now()).catch(() => undefined);
        if (outcome?.written) isolationsLifted += 1;
      } else {
        producer.faults?.store.set({ brokerName: fault.brokerName, currentLatency: 0, startTimestamp: Date.now() });
        isolationsLifted += 1;
      }
    }),
  );
  await producer.flush();

  const summary: RefreshSummary = {
    topics: topics.size,
    routesWritten: (sync?.counters.routesWritten ?? 0) - writtenBefore,
    refreshFailures,
    brokersProbed: isolated.length,
    isolationsLifted,
  };
  invocation.logger.info('route refresh', { ...summary });
  return summary;
}
