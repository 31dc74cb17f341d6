// The real Apache RocketMQ: one name server and brokers of one cluster on 127.0.0.1, with small
// heaps and small mapped files, each under its own folder of a site's directory. A site is where
// and how one cluster runs: the default stack's (config.ts), or a test cluster's (cluster.ts) with
// its own version, ports, TLS switches and ACL files.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BOOT_TIMEOUT_MS, CLUSTER_NAME, HOST, PORTS, ROCKETMQ_VERSION, STACK_DIR, type BrokerName, type TopicSpec } from './config.ts';
import { StackError } from './errors.ts';
import type { StackPorts } from './ports.ts';
import { spawnDetached, waitForLogLine, type SpawnedService } from './processes.ts';
import { clusterInfo, probe, topicRoute, type ProbeVia } from './probe.ts';
import { needsLogbackFiles, type RocketMqVersion } from './versions.ts';

export type Role = 'namesrv' | 'broker' | 'admin';

export interface RocketMqSite {
  /** Each service runs in `<dir>/<service>`, its ROCKETMQ_HOME. */
  dir: string;
  /** Folder of the jars (the classpath is `<lib>/*`). */
  lib: string;
  version: RocketMqVersion;
  cluster: string;
  ports: StackPorts;
  /** JVM system properties of the name server and brokers (the TLS switches exist only there). */
  serverProps?: string[];
  /** JVM system properties of the admin tool (its client's TLS). */
  adminProps?: string[];
  /** broker.conf lines added to every broker (ACL switches). */
  brokerConfig?: string[];
  /** Files (path relative to the service's home -> text) written before a service starts. */
  homeFiles?: (role: Role) => Record<string, string>;
  /** How the site's own readiness checks reach its servers (TLS, signing). */
  via?: ProbeVia;
}

/** The default stack's site: config.ts's folder, ports and version. */
export function defaultSite(lib: string): RocketMqSite {
  return { dir: STACK_DIR, lib, version: ROCKETMQ_VERSION, cluster: CLUSTER_NAME, ports: PORTS };
}

export interface BrokerRecord extends SpawnedService {
  name: BrokerName;
  address: string;
  configFile: string;
  home: string;
}

const MAIN = {
  namesrv: 'org.apache.rocketmq.namesrv.NamesrvStartup',
  broker: 'org.apache.rocketmq.broker.BrokerStartup',
  admin: 'org.apache.rocketmq.tools.command.MQAdminStartup',
} as const;

function javaArgs(lib: string, home: string, heap: string[], main: string, rest: string[], props: string[] = []): string[] {
  return [
    ...heap,
    ...props,
    // The stock start scripts ask for 8 GB heaps and G1 tuning; a test cluster needs a fraction.
    '-XX:+UseSerialGC',
    `-Duser.home=${home}`, // RocketMQ's logback writes to ${user.home}/logs/rocketmqlogs
    // Brokers refuse writes once the disk is 90% full; a shared build machine can be that full.
    '-Drocketmq.broker.diskSpaceWarningLevelRatio=0.99',
    '-cp',
    `${lib}/*`,
    main,
    ...rest,
  ];
}

function serviceEnv(home: string): NodeJS.ProcessEnv {
  // NamesrvStartup and BrokerStartup exit at once when ROCKETMQ_HOME is not set.
  return { ...process.env, ROCKETMQ_HOME: home };
}

/** A minimal logback file for 4.9.x, which aborts without one: everything at INFO into one file. */
function logbackXml(logName: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>\${user.home}/logs/rocketmqlogs/${logName}.log</file>
    <encoder><pattern>%d{yyyy-MM-dd HH:mm:ss.SSS} %-5p [%t] %c{1} - %m%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="FILE"/></root>
</configuration>
`;
}

const LOGBACK_FILES: Record<Role, [file: string, log: string]> = {
  namesrv: ['conf/logback_namesrv.xml', 'namesrv'],
  broker: ['conf/logback_broker.xml', 'broker'],
  admin: ['conf/logback_tools.xml', 'tools'],
};

/** Creates a service's home with the files its version and the site need. */
function prepareHome(site: RocketMqSite, home: string, role: Role): void {
  mkdirSync(home, { recursive: true });
  const files: Record<string, string> = { ...site.homeFiles?.(role) };
  if (needsLogbackFiles(site.version)) {
    const [file, log] = LOGBACK_FILES[role];
    files[file] = logbackXml(log);
  }
  for (const [relative, text] of Object.entries(files)) {
    const path = join(home, relative);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
}

export const nameServerAddress = (site: RocketMqSite): string => `${HOST}:${site.ports.nameServer}`;

export async function startNameServer(site: RocketMqSite): Promise<SpawnedService> {
  const home = join(site.dir, 'namesrv');
  prepareHome(site, home, 'namesrv');
  const configFile = join(home, 'namesrv.properties');
  writeFileSync(configFile, `listenPort=${site.ports.nameServer}\nbindAddress=${HOST}\n`);
  const args = javaArgs(site.lib, home, ['-Xms64m', '-Xmx192m'], MAIN.namesrv, ['-c', configFile], site.serverProps);
  const service = spawnDetached('java', args, {
    logFile: join(home, 'stdout.log'),
    cwd: home,
    env: serviceEnv(home),
  });
  await waitForLogLine(service, /The Name Server boot success/, 'the name server', BOOT_TIMEOUT_MS);
  return service;
}

export function brokerConfig(site: RocketMqSite, name: BrokerName): string {
  const ports = site.ports.brokers[name];
  const store = join(site.dir, name, 'store');
  return [
    `brokerClusterName=${site.cluster}`,
    `brokerName=${name}`,
    'brokerId=0',
    `namesrvAddr=${nameServerAddress(site)}`,
    `brokerIP1=${HOST}`,
    `bindAddress=${HOST}`,
    `listenPort=${ports.listen}`,
    `haListenPort=${ports.ha}`,
    `storePathRootDir=${store}`,
    `storePathCommitLog=${join(store, 'commitlog')}`,
    // 1 GiB commit log files and 6 MB consume queues by default; these are sparse but still mapped.
    `mappedFileSizeCommitLog=${32 * 1024 * 1024}`,
    `mappedFileSizeConsumeQueue=${20 * 30_000}`,
    `mappedFileSizeTimerLog=${8 * 1024 * 1024}`,
    // Keeps TBW102 on every broker, so a send to an unknown topic can auto-create it.
    'autoCreateTopicEnable=true',
    'diskMaxUsedSpaceRatio=99',
    // Recall of timer messages (5.3.2+) is off by default; the local cluster offers it, as a
    // deployment that uses it must (older brokers ignore the key).
    'recallMessageEnable=true',
    // Lite topics (5.5+) reach their queues only through LMQ multi-dispatch, off by default.
    ...(site.version.startsWith('5.5') ? ['enableLmq=true', 'enableMultiDispatch=true'] : []),
    ...(site.brokerConfig ?? []),
    '',
  ].join('\n');
}

/** Spawns a broker and waits until it is up and registered with the name server. */
export async function startBroker(site: RocketMqSite, name: BrokerName): Promise<BrokerRecord> {
  const home = join(site.dir, name);
  prepareHome(site, home, 'broker');
  mkdirSync(join(home, 'store'), { recursive: true });
  const configFile = join(home, 'broker.properties');
  writeFileSync(configFile, brokerConfig(site, name));
  const heap = ['-Xms256m', '-Xmx256m', '-XX:MaxDirectMemorySize=256m'];
  const service = spawnDetached('java', javaArgs(site.lib, home, heap, MAIN.broker, ['-c', configFile], site.serverProps), {
    logFile: join(home, 'stdout.log'),
    cwd: home,
    env: serviceEnv(home),
  });
  const address = `${HOST}:${site.ports.brokers[name].listen}`;
  await waitForLogLine(service, /The broker\[.*\] boot success/, name, BOOT_TIMEOUT_MS, join(home, 'logs', 'rocketmqlogs', 'broker.log'));
  await waitForAnswer(site, name, address);
  await waitForRegistration(site, name, address);
  return { ...service, name, address, configFile, home };
}

const GET_BROKER_RUNTIME_INFO = 28;

/**
 * "boot success" is printed before every part of a broker answers: right after a restart on a
 * store that was not shut down cleanly, runtime-info requests can still fail with SYSTEM_ERROR.
 * Up means it answers one.
 */
async function waitForAnswer(site: RocketMqSite, name: BrokerName, address: string): Promise<void> {
  const deadline = Date.now() + BOOT_TIMEOUT_MS;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const response = await probe(address, GET_BROKER_RUNTIME_INFO, {}, 3000, 479, site.via);
      if (response.code === 0) return;
      last = `code ${response.code} ${response.remark ?? ''}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(200);
  }
  throw new StackError(`${name} printed boot success but never answered a request (${last})`);
}

async function waitForRegistration(site: RocketMqSite, name: BrokerName, address: string): Promise<void> {
  const nameServer = nameServerAddress(site);
  const deadline = Date.now() + BOOT_TIMEOUT_MS;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const view = await clusterInfo(nameServer, 3000, site.via);
      if (view.brokers[name]?.['0'] === address) return;
      last = JSON.stringify(view);
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(200);
  }
  throw new StackError(`${name} booted but never registered with the name server (${last})`);
}

/** Runs the admin tool (mqadmin) once and resolves with everything it printed. */
export function runAdmin(site: RocketMqSite, args: string[]): Promise<string> {
  const home = join(site.dir, 'admin');
  prepareHome(site, home, 'admin');
  const heap = ['-Xmx128m', '-XX:TieredStopAtLevel=1'];
  return new Promise((resolve, reject) => {
    const child = spawn('java', javaArgs(site.lib, home, heap, MAIN.admin, args, site.adminProps), { cwd: home, env: serviceEnv(home) });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', () => resolve(output));
  });
}

/**
 * Creates topics with the admin tool's `updateTopic`. The tool exits 0 even when it fails, so
 * success is read from its output ("create topic to <addr> success.") and then from the route the
 * name server hands out.
 */
export async function createTopics(site: RocketMqSite, topics: TopicSpec[], brokers: Record<string, string>): Promise<void> {
  const nameServer = nameServerAddress(site);
  await Promise.all(
    topics.map(async (topic) => {
      const names = topic.brokers ?? (Object.keys(brokers) as BrokerName[]);
      // `-c` creates the topic on every master of the cluster in one call; `-b` takes one address.
      const calls = topic.brokers
        ? names.map((b) => ({ target: ['-b', brokers[b] as string], expect: [brokers[b] as string] }))
        : [{ target: ['-c', site.cluster], expect: names.map((b) => brokers[b] as string) }];
      const queues = String(topic.queues);
      const attributes = topic.attributes?.length ? ['-a', topic.attributes.join(',')] : [];
      for (const { target, expect } of calls) {
        const output = await runAdmin(site, ['updateTopic', '-n', nameServer, ...target, '-t', topic.name, '-r', queues, '-w', queues, ...attributes]);
        for (const address of expect) {
          if (!output.includes(`create topic to ${address} success`)) {
            const last = output.split('\n').slice(-15).join('\n');
            throw new StackError(`updateTopic ${topic.name} on ${address} failed:\n${last}`);
          }
        }
      }
      await waitForRoute(nameServer, topic.name, names, topic.queues, site.via);
    }),
  );
}

export async function waitForRoute(nameServer: string, topic: string, brokers: string[], queues: number, via: ProbeVia = {}): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const route = await topicRoute(nameServer, topic, 3000, via).catch(() => null);
    const ready = brokers.every((b) => route?.queueDatas.some((q) => q.brokerName === b && q.writeQueueNums === queues));
    if (ready) return;
    if (Date.now() > deadline) {
      throw new StackError(`the name server never showed ${topic} on ${brokers.join(', ')}: ${JSON.stringify(route)}`);
    }
    await sleep(200);
  }
}
