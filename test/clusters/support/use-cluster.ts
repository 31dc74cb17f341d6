// One real cluster per test file: started before the file's tests, stopped after them, also when
// they fail. The cluster tier runs one file at a time, so one cluster runs at a time.
import { afterAll, beforeAll } from 'vitest';
import { describeCluster, startCluster, type Cluster, type ClusterSpec } from '../../../infra/local/cluster.ts';
import { seconds, startupSummary } from '../../../infra/local/startup.ts';

export function useCluster(spec: ClusterSpec): () => Cluster {
  let cluster: Cluster | undefined;
  beforeAll(async () => {
    cluster = await startCluster(spec);
    console.log(`${describeCluster(cluster)}: up in ${startupSummary(cluster.startup)}`);
  });
  afterAll(async () => {
    if (!cluster) return;
    const begun = Date.now();
    await cluster.stop();
    console.log(`cluster at offset ${spec.offset} stopped in ${seconds(Date.now() - begun)}`);
  });
  return () => {
    if (!cluster) throw new Error(`the cluster at offset ${spec.offset} did not start`);
    return cluster;
  };
}
