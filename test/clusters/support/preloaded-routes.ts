// Shared state holding routes fetched by a client that can reach the name server, so a producer
// given it sends straight to the brokers without a lookup: the way to see what a broker (not the
// name server) does to a producer whose TLS or credentials are wrong.
import type { Cluster } from '../../../infra/local/cluster.ts';
import { probe } from '../../../infra/local/probe.ts';
import { MemorySharedState, parseTopicRouteData } from '../../../lib/internal.ts';

export async function sharedStateWithRoutes(cluster: Cluster, topics: string[]): Promise<MemorySharedState> {
  const state = new MemorySharedState();
  for (const topic of topics) {
    const response = await probe(cluster.endpoint, 105, { topic, acceptStandardJsonOnly: 'true' }, 3000, 479, cluster.via);
    if (response.code !== 0) throw new Error(`route of ${topic}: code ${response.code} ${response.remark ?? ''}`);
    await state.putRoute({ topic, route: parseTopicRouteData(response.body), fetchedAt: Date.now() });
  }
  return state;
}
