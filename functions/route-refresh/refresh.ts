// Scheduled route refresh: routes of the configured topics and of every topic in the table are
// fetched again (the state layer writes only those that changed), isolated brokers are probed, and
// an isolation is lifted early when its broker answers again, here and for the fleet. One summary
// line per run.
import type { Invocation } from '../../lib/lambda/index.ts';

export interface RefreshSummary {
  topics: number;
  routesWritten: number;
  refreshFailures: number;
  brokersProbed: number;
  isolationsLifted: number;
}

export async function refreshRoutes(invocation: Invocation, configuredTopics: string[]): Promise<RefreshSummary> {
  const routes = await invocation.refreshRoutes(configuredTopics);
  for (const { topic, error } of routes.failures) invocation.logger.warn('route refresh failed', { topic, code: error.codeName, error: error.message });
  const probes = await invocation.probeIsolated();
  const summary: RefreshSummary = {
    topics: routes.topics,
    routesWritten: routes.routesWritten,
    refreshFailures: routes.failures.length,
    brokersProbed: probes.probed,
    isolationsLifted: probes.lifted,
  };
  invocation.logger.info('route refresh', { ...summary });
  return summary;
}
