// The real Apache RocketMQ: one name server and two brokers of one cluster on 127.0.0.1, with small
// heaps and small mapped files, each under its own folder of the stack directory.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BOOT_TIMEOUT_MS, CLUSTER_NAME, HOST, NAMESRV_PORT, PORTS, STACK_DIR, type BrokerName, type TopicSpec } from './config.ts';
import { StackError } from './errors.ts';
import { spawnDetached, waitForLogLine, type SpawnedService } from './processes.ts';
import { clusterInfo, probe, topicRoute } from './probe.ts';

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

function javaArgs(lib: string, home: string, heap: string[], main: string, rest: string[]): string[] {
  return [
    ...heap,
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

export async function startNameServer(lib: string): Promise<SpawnedService> {
  const home = join(STACK_DIR, 'namesrv');
  mkdirSync(home, { recursive: true });
  const configFile = join(home, 'namesrv.properties');
  writeFileSync(configFile, `listenPort=${NAMESRV_PORT}\nbindAddress=${HOST}\n`);
  const service = spawnDetached('java', javaArgs(lib, home, ['-Xms64m', '-Xmx192m'], MAIN.namesrv, ['-c', configFile]), {
    logFile: join(home, 'stdout.log'),
    cwd: home,
    env: serviceEnv(home),
  });
  await waitForLogLine(service, /The Name Server boot success/, 'the name server', BOOT_TIMEOUT_MS);
  return service;
}

export function brokerConfig(name: BrokerName): string {
  const ports = PORTS.brokers[name];
  const store = join(STACK_DIR, name, 'store');
  return [
    `brokerClusterName=${CLUSTER_NAME}`,
    `brokerName=${name}`,
    'brokerId=0',
    `namesrvAddr=${HOST}:${NAMESRV_PORT}`,
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
    '',
  ].join('\n');
}

/** Spawns a broker and waits until it is up and registered with the name server. */
export async function startBroker(lib: string, name: BrokerName): Promise<BrokerRecord> {
  const home = join(STACK_DIR, name);
  mkdirSync(join(home, 'store'), { recursive: true });
  const configFile = join(home, 'broker.properties');
  writeFileSync(configFile, brokerConfig(name));
  const heap = ['-Xms256m', '-Xmx256m', '-XX:MaxDirectMemorySize=256m'];
  const service = spawnDetached('java', javaArgs(lib, home, heap, MAIN.broker, ['-c', configFile]), {
    logFile: join(home, 'stdout.log'),
    cwd: home,
    env: serviceEnv(home),
  });
  const address = `${HOST}:${PORTS.brokers[name].listen}`;
  await waitForLogLine(service, /The broker\[.*\] boot success/, name, BOOT_TIMEOUT_MS, join(home, 'logs', 'rocketmqlogs', 'broker.log'));
  await waitForAnswer(name, address);
  await waitForRegistration(name, address);
  return { ...service, name, address, configFile, home };
}

const GET_BROKER_RUNTIME_INFO = 28;

/**
 * "boot success" is printed before every part of a broker answers: right after a restart on a
 * store that was not shut down cleanly, runtime-info requests can still fail with SYSTEM_ERROR.
 * Up means it answers one.
 */
async function waitForAnswer(name: BrokerName, address: string): Promise<void> {
  const deadline = Date.now() + BOOT_TIMEOUT_MS;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const response = await probe(address, GET_BROKER_RUNTIME_INFO);
      if (response.code === 0) return;
      last = `code ${response.code} ${response.remark ?? ''}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(200);
  }
  throw new StackError(`${name} printed boot success but never answered a request (${last})`);
}

async function waitForRegistration(name: BrokerName, address: string): Promise<void> {
  const nameServer = `${HOST}:${NAMESRV_PORT}`;
  const deadline = Date.now() + BOOT_TIMEOUT_MS;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const view = await clusterInfo(nameServer);
      if (view.brokers[name]?.['0'] === address) return;
      last = JSON.stringify(view);
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(200);
  }
  throw new StackError(`${name} booted but never registered with the name server (${last})`);
}

function runAdmin(lib: string, args: string[]): Promise<string> {
  const home = join(STACK_DIR, 'admin');
  mkdirSync(home, { recursive: true });
  const heap = ['-Xmx128m', '-XX:TieredStopAtLevel=1'];
  return new Promise((resolve, reject) => {
    const child = spawn('java', javaArgs(lib, home, heap, MAIN.admin, args), { cwd: home, env: serviceEnv(home) });
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
export async function createTopics(lib: string, topics: TopicSpec[], brokers: Record<string, string>): Promise<void> {
  const nameServer = `${HOST}:${NAMESRV_PORT}`;
  await Promise.all(
    topics.map(async (topic) => {
      const names = topic.brokers ?? (Object.keys(brokers) as BrokerName[]);
      // `-c` creates the topic on every master of the cluster in one call; `-b` takes one address.
      const calls = topic.brokers
        ? names.map((b) => ({ target: ['-b', brokers[b] as string], expect: [brokers[b] as string] }))
        : [{ target: ['-c', CLUSTER_NAME], expect: names.map((b) => brokers[b] as string) }];
      const queues = String(topic.queues);
      for (const { target, expect } of calls) {
        const output = await runAdmin(lib, ['updateTopic', '-n', nameServer, ...target, '-t', topic.name, '-r', queues, '-w', queues]);
        for (const address of expect) {
          if (!output.includes(`create topic to ${address} success`)) {
            const last = output.split('\n').slice(-15).join('\n');
            throw new StackError(`updateTopic ${topic.name} on ${address} failed:\n${last}`);
          }
        }
      }
      await waitForRoute(nameServer, topic.name, names, topic.queues);
    }),
  );
}

async function waitForRoute(nameServer: string, topic: string, brokers: string[], queues: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const route = await topicRoute(nameServer, topic).catch(() => null);
    const ready = brokers.every((b) => route?.queueDatas.some((q) => q.brokerName === b && q.writeQueueNums === queues));
    if (ready) return;
    if (Date.now() > deadline) {
      throw new StackError(`the name server never showed ${topic} on ${brokers.join(', ')}: ${JSON.stringify(route)}`);
    }
    await sleep(200);
  }
}
