// The local stack as a whole: start, describe, stop, and per-broker fault controls. The state file
// in the stack directory is the single source of truth, so any process (the CLI, a vitest worker)
// can read it and act on the services by pid.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import {
  BROKER_NAMES,
  CLUSTER_NAME,
  DEFAULT_TOPICS,
  DYNAMODB_LOCAL_PORT,
  HOST,
  NAMESRV_PORT,
  PORTS,
  ROCKETMQ_VERSION,
  STACK_DIR,
  STATE_FILE,
  type BrokerName,
  type TopicSpec,
} from './config.ts';
import { startDynamoDbLocal } from './dynamodb.ts';
import { StackError } from './errors.ts';
import { ensureRocketMqJars } from './jars.ts';
import { isAlive, killHard, requireCommand, signal, spawnedPids, terminate, type SpawnedService } from './processes.ts';
import { portsInUse } from './ports.ts';
import { splitAddress } from './probe.ts';
import { createTopics, defaultSite, startBroker, startNameServer, type BrokerRecord } from './rocketmq.ts';

export interface StackState {
  rocketmqVersion: string;
  cluster: string;
  lib: string;
  nameServer: SpawnedService & { address: string };
  brokers: Record<BrokerName, BrokerRecord>;
  dynamodb: (SpawnedService & { endpoint: string }) | null;
  /**
   * dynalite embedded in an `npm start` process using this stack. That process owns it (`down`
   * leaves it alone); it is recorded so `stack:status` shows every DynamoDB the stack has.
   */
  dynalite?: { endpoint: string; pid: number } | null;
  topics: TopicSpec[];
  /** How long each part took to come up, in ms. */
  startup: Record<string, number>;
}

/** What `stack:up` and `stack:status` print, and what tests receive. */
export interface StackInfo {
  nameServer: string;
  cluster: string;
  brokers: Record<BrokerName, { address: string; pid: number; running: boolean }>;
  dynamodb: { endpoint: string; pid: number; running: boolean } | null;
  dynalite: { endpoint: string; pid: number; running: boolean } | null;
  topics: TopicSpec[];
  dir: string;
  startupMs: Record<string, number>;
}

export interface UpOptions {
  topics?: TopicSpec[];
  /** Start DynamoDB Local as part of the stack (default true). */
  dynamodb?: boolean;
}

export function readState(): StackState | null {
  if (!existsSync(STATE_FILE)) return null;
  return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as StackState;
}

function writeState(state: StackState): void {
  const tmp = `${STATE_FILE}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, STATE_FILE);
}

function pids(state: StackState): number[] {
  return [state.nameServer.pid, ...Object.values(state.brokers).map((b) => b.pid), ...(state.dynamodb ? [state.dynamodb.pid] : [])];
}

/** A stack counts as running while any of its processes is alive. */
export function runningState(): StackState | null {
  const state = readState();
  return state && pids(state).some(isAlive) ? state : null;
}

export function describe(state: StackState): StackInfo {
  const brokers = {} as StackInfo['brokers'];
  for (const [name, b] of Object.entries(state.brokers) as [BrokerName, BrokerRecord][]) {
    brokers[name] = { address: b.address, pid: b.pid, running: isAlive(b.pid) };
  }
  return {
    nameServer: state.nameServer.address,
    cluster: state.cluster,
    brokers,
    dynamodb: state.dynamodb ? { endpoint: state.dynamodb.endpoint, pid: state.dynamodb.pid, running: isAlive(state.dynamodb.pid) } : null,
    dynalite: state.dynalite ? { endpoint: state.dynalite.endpoint, pid: state.dynalite.pid, running: isAlive(state.dynalite.pid) } : null,
    topics: state.topics,
    dir: STACK_DIR,
    startupMs: state.startup,
  };
}

/** Records the dynalite this process serves in the running stack's state, for `stack:status`. */
export function recordDynalite(endpoint: string): void {
  const state = readState();
  if (!state) return;
  state.dynalite = { endpoint, pid: process.pid };
  writeState(state);
}

/** Forgets the dynalite of this process, leaving one recorded by another process alone. */
export function forgetDynalite(): void {
  const state = readState();
  if (state?.dynalite?.pid !== process.pid) return;
  state.dynalite = null;
  writeState(state);
}

async function checkPorts(withDynamoDb: boolean): Promise<void> {
  const ports = [NAMESRV_PORT, ...Object.values(PORTS.brokers).flatMap((b) => [b.vip, b.listen, b.ha])];
  if (withDynamoDb) ports.push(DYNAMODB_LOCAL_PORT);
  const taken = await portsInUse(ports);
  if (taken.length > 0) {
    throw new StackError(`ports ${taken.join(', ')} are already in use by something that is not this stack; stop it or set STACK_PORT_OFFSET`);
  }
}

async function timed<T>(startup: Record<string, number>, key: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await work();
  startup[key] = Date.now() - started;
  return result;
}

/**
 * Starts the stack. When one is already running it is not started twice: the running one is
 * returned with `reused: true`, and nothing collides on ports.
 */
export async function up(options: UpOptions = {}): Promise<{ state: StackState; reused: boolean }> {
  await acquireStartLock();
  try {
    const existing = runningState();
    if (existing) return { state: existing, reused: true };
    return { state: await start(options), reused: false };
  } finally {
    rmSync(START_LOCK, { force: true });
  }
}

const START_LOCK = `${STACK_DIR}.lock`;

/** Two starts at once (two test projects, two terminals) would collide on ports: one waits. */
async function acquireStartLock(): Promise<void> {
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    try {
      writeFileSync(START_LOCK, String(process.pid), { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const text = existsSync(START_LOCK) ? readFileSync(START_LOCK, 'utf8') : '';
    const holder = Number(text);
    // An empty file is a lock being written this very moment, not a stale one.
    if (text !== '' && (!Number.isInteger(holder) || holder <= 0 || !isAlive(holder))) {
      rmSync(START_LOCK, { force: true }); // left by a start that died
      continue;
    }
    if (Date.now() > deadline) throw new StackError(`another start (pid ${holder}) holds ${START_LOCK}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function start(options: UpOptions): Promise<StackState> {
  requireCommand('java', 'Java 17 is needed to run the local RocketMQ and DynamoDB Local');
  const withDynamoDb = options.dynamodb ?? true;
  await checkPorts(withDynamoDb);
  rmSync(STACK_DIR, { recursive: true, force: true });
  mkdirSync(STACK_DIR, { recursive: true });

  const startup: Record<string, number> = {};
  const begun = Date.now();
  const firstSpawn = spawnedPids.length;
  try {
    const lib = await timed(startup, 'jars', async () => ensureRocketMqJars());
    const dynamodb = withDynamoDb ? timed(startup, 'dynamodb', startDynamoDbLocal) : Promise.resolve(null);
    // Settle both sides before judging either, so a failure leaves no untracked process behind.
    const [rocket, dynamo] = await Promise.allSettled([
      (async () => {
        const site = defaultSite(lib);
        const nameServer = await timed(startup, 'nameServer', () => startNameServer(site));
        const brokerList = await timed(startup, 'brokers', () => Promise.all(BROKER_NAMES.map((n) => startBroker(site, n))));
        const brokers = Object.fromEntries(brokerList.map((b) => [b.name, b])) as Record<BrokerName, BrokerRecord>;
        const topics = options.topics ?? DEFAULT_TOPICS;
        const addresses = Object.fromEntries(brokerList.map((b) => [b.name, b.address]));
        await timed(startup, 'topics', () => createTopics(site, topics, addresses));
        return { lib, nameServer: { ...nameServer, address: `${HOST}:${NAMESRV_PORT}` }, brokers, topics };
      })(),
      dynamodb,
    ]);
    if (rocket.status === 'rejected') throw rocket.reason;
    if (dynamo.status === 'rejected') throw dynamo.reason;
    startup.total = Date.now() - begun;
    const state: StackState = {
      rocketmqVersion: ROCKETMQ_VERSION,
      cluster: CLUSTER_NAME,
      ...rocket.value,
      dynamodb: dynamo.value,
      startup,
    };
    writeState(state);
    return state;
  } catch (err) {
    await Promise.all(spawnedPids.slice(firstSpawn).map((pid) => killHard(pid)));
    throw err;
  }
}

/**
 * Stops every process of the stack by pid and forgets it. A broker's graceful shutdown takes about
 * 15 s; the stack's data is thrown away on the next start, so SIGKILL follows after a short grace.
 */
export async function down(): Promise<boolean> {
  const state = readState();
  if (!state) return false;
  await Promise.all(pids(state).map((pid) => terminate(pid, 3000)));
  rmSync(STATE_FILE, { force: true });
  return true;
}

function requireState(): StackState {
  const state = readState();
  if (!state) throw new StackError('no local stack is running; start one with `npm run stack:up`');
  return state;
}

function brokerOf(state: StackState, name: BrokerName): BrokerRecord {
  const broker = state.brokers[name];
  if (!broker) throw new StackError(`unknown broker ${name}; this stack has ${Object.keys(state.brokers).join(', ')}`);
  return broker;
}

/**
 * A JVM's main thread can be gone while its other threads are still closing sockets; the broker
 * counts as down once its port refuses connections.
 */
async function waitUntilRefused(address: string, timeoutMs = 10_000): Promise<void> {
  const [host, port] = splitAddress(address);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
    });
    if (refused) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new StackError(`${address} still accepts connections ${timeoutMs} ms after its broker was stopped`);
}

/** Fault controls for one broker, for tests that need a broker to stop, die or hang on demand. */
export const brokerControl = {
  /** Graceful stop (SIGTERM): the broker unregisters from the name server. */
  async stop(name: BrokerName): Promise<void> {
    const broker = brokerOf(requireState(), name);
    await terminate(broker.pid, 30_000);
    await waitUntilRefused(broker.address);
  },
  /** SIGKILL: the process vanishes, sockets are reset, the name server learns it only by timeout. */
  async kill(name: BrokerName): Promise<void> {
    const broker = brokerOf(requireState(), name);
    await killHard(broker.pid);
    await waitUntilRefused(broker.address);
  },
  /** SIGSTOP: sockets stay open but nothing answers. */
  freeze(name: BrokerName): void {
    signal(brokerOf(requireState(), name).pid, 'SIGSTOP');
  },
  thaw(name: BrokerName): void {
    signal(brokerOf(requireState(), name).pid, 'SIGCONT');
  },
  /** Stops the broker if it runs, starts it again on the same store and ports, waits until registered. */
  async restart(name: BrokerName): Promise<void> {
    const state = requireState();
    await terminate(brokerOf(state, name).pid, 3000);
    const broker = await startBroker(defaultSite(state.lib), name);
    const latest = requireState();
    latest.brokers[name] = broker;
    writeState(latest);
  },
  isRunning(name: BrokerName): boolean {
    return isAlive(brokerOf(requireState(), name).pid);
  },
};

/**
 * Freeze (SIGSTOP) or thaw the name server or DynamoDB Local, for tests of their absence; kill the
 * name server and start it again (DynamoDB Local keeps its tables in memory, so it is only frozen).
 */
export const serviceControl = {
  freeze(service: 'nameServer' | 'dynamodb'): void {
    signal(servicePid(service), 'SIGSTOP');
  },
  thaw(service: 'nameServer' | 'dynamodb'): void {
    signal(servicePid(service), 'SIGCONT');
  },
  /** SIGKILL: connections are reset and refused; the brokers keep running and keep retrying. */
  async kill(service: 'nameServer'): Promise<void> {
    await killHard(servicePid(service));
    await waitUntilRefused(requireState().nameServer.address);
  },
  /**
   * Starts the name server again on its port, empty: routes exist again once the brokers
   * re-register, on their next registration (every 30 s).
   */
  async restart(service: 'nameServer'): Promise<void> {
    const state = requireState();
    await terminate(servicePid(service), 3000);
    const started = await startNameServer(defaultSite(state.lib));
    const latest = requireState();
    latest.nameServer = { ...started, address: latest.nameServer.address };
    writeState(latest);
  },
  isRunning(service: 'nameServer' | 'dynamodb'): boolean {
    return isAlive(servicePid(service));
  },
};

function servicePid(service: 'nameServer' | 'dynamodb'): number {
  const state = requireState();
  const pid = service === 'nameServer' ? state.nameServer.pid : state.dynamodb?.pid;
  if (!pid) throw new StackError(`this stack runs no ${service}`);
  return pid;
}
