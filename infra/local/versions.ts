// The RocketMQ versions a local cluster can run, and which jars from Maven Central make each one.
//
// What Maven Central serves decides the sets (checked with `mvn dependency:copy-dependencies`):
// - 4.9.7 and 5.3.3: every artifact, so the name server, broker and admin tool come as released.
// - 5.5.1: the broker, common, remoting, store, tiered-store and controller are served, but not
//   its namesrv, tools, client, auth, srvutil or filter (the broker's own pom names the last four,
//   so it cannot resolve as released). Those come from 5.5.0 and everything else stays 5.5.1; the
//   broker that runs is 5.5.1 and the name server 5.5.0. `jarVersions` reports what ran. ACL 2.0
//   cannot run on it: the 5.5.1 broker calls AuthorizationEvaluator.evaluate(RemotingCommand,
//   List), which auth 5.5.0 does not have (NoSuchMethodError on the first request).
// - 5.5.0: every artifact, as released; the 5.5 line's ACL 2.0 runs on it.
// - rocketmq-proxy exists for 5.3.3 (5.5.1 is not served); it brings its own broker client jars.
import { readdirSync } from 'node:fs';

export const ROCKETMQ_VERSIONS = ['4.9.7', '5.3.3', '5.5.0', '5.5.1'] as const;
export type RocketMqVersion = (typeof ROCKETMQ_VERSIONS)[number];

export interface JarSet {
  /** Cache folder name: `rocketmq-<id>`. */
  id: string;
  /** Artifacts (group org.apache.rocketmq) depended on directly, with their versions. */
  artifacts: Record<string, string>;
  /** Versions forced on the whole dependency graph (Maven dependencyManagement). */
  managed?: Record<string, string>;
}

const released = (version: string): JarSet => ({
  id: version,
  artifacts: { 'rocketmq-namesrv': version, 'rocketmq-broker': version, 'rocketmq-tools': version },
});

const V5_5_1_SERVED = ['rocketmq-broker', 'rocketmq-common', 'rocketmq-remoting', 'rocketmq-store', 'rocketmq-tiered-store', 'rocketmq-controller'];
const V5_5_0_ONLY = ['rocketmq-namesrv', 'rocketmq-tools', 'rocketmq-client', 'rocketmq-auth', 'rocketmq-srvutil', 'rocketmq-filter'];

export const JAR_SETS: Record<RocketMqVersion, JarSet> = {
  '4.9.7': released('4.9.7'),
  '5.3.3': released('5.3.3'),
  '5.5.0': released('5.5.0'),
  '5.5.1': {
    id: '5.5.1-mixed',
    artifacts: { 'rocketmq-broker': '5.5.1', 'rocketmq-namesrv': '5.5.0', 'rocketmq-tools': '5.5.0' },
    managed: {
      ...Object.fromEntries(V5_5_1_SERVED.map((a) => [a, '5.5.1'])),
      ...Object.fromEntries(V5_5_0_ONLY.map((a) => [a, '5.5.0'])),
    },
  },
};

export const PROXY_JARS: JarSet = { id: 'proxy-5.3.3', artifacts: { 'rocketmq-proxy': '5.3.3' } };

/** `rocketmq-broker` -> `5.5.1`, read from the jar names of a resolved folder: what really runs. */
export function jarVersions(lib: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const name of readdirSync(lib)) {
    const match = /^(rocketmq-[a-z0-9-]+?)-(\d+\.\d+\.\d+)\.jar$/.exec(name);
    if (match) found[match[1]!] = match[2]!;
  }
  return found;
}

/** 4.9.x reads its logging configuration from $ROCKETMQ_HOME/conf; 5.x carries it in its jars. */
export function needsLogbackFiles(version: RocketMqVersion): boolean {
  return version.startsWith('4.');
}
