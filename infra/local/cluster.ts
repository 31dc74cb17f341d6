// Test clusters of every shape the producer must reach, started from code: a RocketMQ version,
// TLS (permissive, enforcing, mutual), ACL (1.0 on 4.9.x, 2.0 on 5.x), a 5.x Proxy in front. Each
// runs in its own folder and its own port block (a STACK_PORT_OFFSET value), so it never meets the
// default stack or another cluster; `stop()` ends exactly the processes it started.
//
//   const cluster = await startCluster({ version: '5.3.3', tls: 'enforcing', offset: 810 });
//   createProducer({ nameServers: cluster.endpoint, tls: { ca: cluster.certificates!.ca }, ... });
//   await cluster.stop();
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aclSetup, CLUSTER_CREDENTIALS, type AclSetup, type ClusterCredentials } from './cluster-acl.ts';
import { TLS_MODES, tlsSetup, type TlsMode, type TlsSetup } from './cluster-tls.ts';
import type { CertificateFiles } from './certs.ts';
import { BROKER_NAMES, DEFAULT_TOPICS, HOST, type BrokerName, type TopicSpec } from './config.ts';
import { StackError } from './errors.ts';
import { ensureJars } from './jars.ts';
import { allPorts, parsePortOffset, portsInUse, stackPorts } from './ports.ts';
import { isAlive, killHard, requireCommand, signal, spawnedPids, terminate } from './processes.ts';
import type { ProbeVia } from './probe.ts';
import { startProxy, type ProxyRecord } from './proxy.ts';
import { createTopics, nameServerAddress, runAdmin, startBroker, startNameServer, type BrokerRecord, type RocketMqSite } from './rocketmq.ts';
import { JAR_SETS, jarVersions, PROXY_JARS, ROCKETMQ_VERSIONS, type RocketMqVersion } from './versions.ts';

export interface ClusterSpec {
  version: RocketMqVersion;
  /** Port block, as STACK_PORT_OFFSET: a multiple of 10 from 0 to 990 no other stack uses. */
  offset: number;
  tls?: TlsMode;
  /** ACL 1.0 on 4.9.x, ACL 2.0 on 5.x, with the accounts of CLUSTER_CREDENTIALS. */
  acl?: boolean;
  /** A rocketmq-proxy 5.3.3 in cluster mode in front (5.3.3 clusters only; with ACL 2.0 when `acl`). */
  proxy?: boolean;
  /** Topics created at start; the default stack's when absent. */
  topics?: TopicSpec[];
}

export interface Cluster {
  spec: ClusterSpec;
  /** The cluster's name (brokerClusterName). */
  name: string;
  dir: string;
  /** What a producer is given as its name server: the proxy when there is one. */
  endpoint: string;
  nameServer: string;
  proxy: string | undefined;
  brokers: Record<BrokerName, string>;
  /** What really ran: artifact -> version, from the jar names (`rocketmq-broker` -> `5.5.1`). */
  jars: Record<string, string>;
  proxyJars: Record<string, string> | undefined;
  /** The accounts when ACL is on. */
  credentials: ClusterCredentials | undefined;
  acl: '1.0' | '2.0' | undefined;
  /** PEM text of the CA, server and client certificates and keys, and an unrelated CA (TLS with our CA). */
  certificates: CertificateFiles | undefined;
  /** How the stack's naive probe client reaches these servers (TLS, the admin's signature). */
  via: ProbeVia;
  /** How long each part took to come up, in ms. */
  startup: Record<string, number>;
  /** Runs the admin tool against this cluster (signed, over TLS as needed); resolves with its output. */
  admin(args: string[]): Promise<string>;
  createTopics(topics: TopicSpec[]): Promise<void>;
  broker: {
    stop(name: BrokerName): Promise<void>;
    freeze(name: BrokerName): void;
    thaw(name: BrokerName): void;
  };
  /** Stops every process this cluster started and removes its folder. */
  stop(): Promise<void>;
}

/** Every cluster's folder sits under this one, named by its offset. */
export const CLUSTERS_DIR = process.env.CLUSTERS_DIR ?? join(tmpdir(), 'rocketmq-lambda-clusters');

const PIDS_FILE = 'pids.json';
/** Admin-tool runs creating topics at the same time (the default topics all at once). */
const TOPICS_AT_ONCE = 4;
const TOPIC_ATTEMPTS = 3;

/**
 * Each topic is one admin-tool JVM. On a busy 2-core machine the tool's own 2 s calls to the name
 * server time out ("updateTopic ... RemotingTimeoutException"), the more often the more JVMs start
 * at once: a few at a time, and a group that timed out is created again (updateTopic is an upsert).
 */
async function createTopicsPaced(site: RocketMqSite, topics: TopicSpec[], addresses: Record<string, string>): Promise<void> {
  for (let i = 0; i < topics.length; i += TOPICS_AT_ONCE) {
    const group = topics.slice(i, i + TOPICS_AT_ONCE);
    for (let attempt = 1; ; attempt++) {
      try {
        await createTopics(site, group, addresses);
        break;
      } catch (err) {
        if (attempt >= TOPIC_ATTEMPTS || !(err instanceof StackError) || !err.message.includes('RemotingTimeoutException')) throw err;
      }
    }
  }
}

function checkSpec(spec: ClusterSpec): void {
  if (!ROCKETMQ_VERSIONS.includes(spec.version)) throw new StackError(`version ${spec.version} is not one of ${ROCKETMQ_VERSIONS.join(', ')}`);
  parsePortOffset(String(spec.offset));
  if (spec.tls && !TLS_MODES.includes(spec.tls)) throw new StackError(`tls ${spec.tls} is not one of ${TLS_MODES.join(', ')}`);
  if (spec.proxy && spec.version !== '5.3.3') throw new StackError('the proxy is rocketmq-proxy 5.3.3: use it with version 5.3.3');
  if (spec.proxy && spec.tls) throw new StackError('a proxy cluster runs without TLS here');
}

/**
 * Processes a cluster in this folder left behind (a test run that was killed): ended by pid, and
 * only those whose command line still names this folder, so a reused pid is never touched.
 */
async function stopLeftovers(dir: string): Promise<void> {
  const file = join(dir, PIDS_FILE);
  if (!existsSync(file)) return;
  const pids = JSON.parse(readFileSync(file, 'utf8')) as number[];
  for (const pid of pids) {
    let command = '';
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (isAlive(pid) && command.includes(dir)) await killHard(pid);
  }
}

/**
 * Stops what clusters left behind under CLUSTERS_DIR (a test run killed before its afterAll) and
 * removes their folders; returns the offsets cleaned. Nothing else is touched.
 */
export async function stopLeftoverClusters(): Promise<string[]> {
  if (!existsSync(CLUSTERS_DIR)) return [];
  const offsets = readdirSync(CLUSTERS_DIR);
  for (const offset of offsets) {
    const dir = join(CLUSTERS_DIR, offset);
    await stopLeftovers(dir);
    rmSync(dir, { recursive: true, force: true });
  }
  return offsets;
}

async function timed<T>(startup: Record<string, number>, key: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await work();
  startup[key] = Date.now() - started;
  return result;
}

export async function startCluster(spec: ClusterSpec): Promise<Cluster> {
  checkSpec(spec);
  requireCommand('java', 'Java 17 is needed to run the local RocketMQ');
  const ports = stackPorts(spec.offset);
  const dir = join(CLUSTERS_DIR, String(spec.offset));
  await stopLeftovers(dir);
  const wanted = allPorts(ports).filter(
    (p) => p !== ports.dynamodbLocal && p !== ports.dynalite && (spec.proxy || (p !== ports.proxy.remoting && p !== ports.proxy.grpc)),
  );
  const taken = await portsInUse(wanted);
  if (taken.length > 0)
    throw new StackError(`ports ${taken.join(', ')} of offset ${spec.offset} are in use by something that is not this cluster; pick another offset`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  const startup: Record<string, number> = {};
  const begun = Date.now();
  const [lib, proxyLib] = await timed(
    startup,
    'jars',
    async () => [ensureJars(JAR_SETS[spec.version]), spec.proxy ? ensureJars(PROXY_JARS) : undefined] as const,
  );
  const tls: TlsSetup | undefined = spec.tls ? tlsSetup(spec.tls, dir) : undefined;
  const acl: AclSetup | undefined = spec.acl ? aclSetup(spec.version.startsWith('4.') ? '1.0' : '2.0', BROKER_NAMES.length) : undefined;
  const via: ProbeVia = { ...tls?.via, ...(acl ? { credentials: CLUSTER_CREDENTIALS.admin } : {}) };
  const site: RocketMqSite = {
    dir,
    lib,
    version: spec.version,
    cluster: `Cluster${spec.offset}`,
    ports,
    serverProps: tls?.serverProps ?? [],
    adminProps: tls?.adminProps ?? [],
    brokerConfig: acl?.brokerConfig ?? [],
    homeFiles: (role) => acl?.homeFiles(role) ?? {},
    via,
  };
  const nameServer = nameServerAddress(site);
  const admin = (args: string[]) => runAdmin(site, args);

  const firstSpawn = spawnedPids.length;
  const ours = () => spawnedPids.slice(firstSpawn);
  const recordPids = () => writeFileSync(join(dir, PIDS_FILE), JSON.stringify(ours()));
  let brokers: Record<BrokerName, BrokerRecord>;
  let proxy: ProxyRecord | undefined;
  try {
    await timed(startup, 'nameServer', () => startNameServer(site));
    recordPids();
    const list = await timed(startup, 'brokers', () => Promise.all(BROKER_NAMES.map((n) => startBroker(site, n))));
    recordPids();
    brokers = Object.fromEntries(list.map((b) => [b.name, b])) as Record<BrokerName, BrokerRecord>;
    const addresses = Object.fromEntries(list.map((b) => [b.name, b.address]));
    if (acl) await timed(startup, 'acl', () => acl.afterStart(site, admin, nameServer));
    const topics = spec.topics ?? DEFAULT_TOPICS;
    await timed(startup, 'topics', () => createTopicsPaced(site, topics, addresses));
    if (proxyLib) {
      proxy = await timed(startup, 'proxy', () => startProxy(site, proxyLib, topics[0]?.name ?? 'TBW102', acl?.proxyConfig));
      recordPids();
    }
  } catch (err) {
    await Promise.all(ours().map((pid) => killHard(pid)));
    throw err;
  }
  startup.total = Date.now() - begun;
  const pids = ours();
  const brokerAddresses = Object.fromEntries(Object.values(brokers).map((b) => [b.name, b.address])) as Record<BrokerName, string>;
  return {
    spec,
    name: site.cluster,
    dir,
    endpoint: proxy?.address ?? nameServer,
    nameServer,
    proxy: proxy?.address,
    brokers: brokerAddresses,
    jars: jarVersions(lib),
    proxyJars: proxyLib ? jarVersions(proxyLib) : undefined,
    credentials: acl ? CLUSTER_CREDENTIALS : undefined,
    acl: acl?.generation,
    certificates: tls?.certificates?.pem,
    via,
    startup,
    admin,
    createTopics: (topics) => createTopics(site, topics, brokerAddresses),
    broker: {
      stop: (name) => terminate(brokers[name].pid, 30_000),
      freeze: (name) => signal(brokers[name].pid, 'SIGSTOP'),
      thaw: (name) => signal(brokers[name].pid, 'SIGCONT'),
    },
    stop: async () => {
      // The data is thrown away, so a short grace before SIGKILL is enough.
      await Promise.all(pids.map((pid) => terminate(pid, 3000)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A one-line description of what ran, for logs and the compatibility table. */
export function describeCluster(cluster: Cluster): string {
  const shape = [cluster.spec.tls ? `TLS ${cluster.spec.tls}` : 'plain', cluster.acl ? `ACL ${cluster.acl}` : undefined, cluster.proxy ? 'proxy' : undefined]
    .filter(Boolean)
    .join(', ');
  const ran = `namesrv ${cluster.jars['rocketmq-namesrv']}, broker ${cluster.jars['rocketmq-broker']}`;
  const proxy = cluster.proxyJars ? `, proxy ${cluster.proxyJars['rocketmq-proxy']}` : '';
  return `RocketMQ ${cluster.spec.version} (${ran}${proxy}; ${shape}) at ${cluster.endpoint} on ${HOST}`;
}
