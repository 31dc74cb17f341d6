// One execution environment on Lambda Managed Instances (one worker thread, many invocations at
// once) against classic Lambda (one invocation at a time) and the bare producer, through the real
// publish handler: messages per CPU-second and latency per invocation. Each client is a process
// of its own (bench/lmi-load.ts) so process.cpuUsage() is the function thread's; every round runs
// every client, each round starting with another, as the throughput bench does. The client runs
// bundled and minified as the deployed artifact is (infra/build.ts), not through tsx, whose
// transform wraps every function created at run time in a naming call the artifact does not have.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFunctions } from '../infra/build.ts';
import type { LmiLoadResult } from './lmi-load.ts';
import type { Timing } from './throughput.ts';
import { ROOT } from './util.ts';

export interface LmiClient {
  name: string;
  /** The handler through the adapter, or the producer it builds, bare. */
  kind: 'handler' | 'bare';
  /** Invocations (or sends) in flight at once in the one environment. */
  concurrency: number;
  /** The publish request's mode (sync: `send`, async: `sendAsync` awaited in the invocation). */
  sendMode: 'sync' | 'async';
  /** AWS_LAMBDA_MAX_CONCURRENCY set (LMI: each invocation flushes only its own work). */
  managed: boolean;
  /** The function's memory: 512 MB classic (serverless.yml), 2 GiB per vCPU on LMI (the default). */
  memoryMb: number;
}

export const LMI_CLIENTS: LmiClient[] = [
  { name: 'classic', kind: 'handler', concurrency: 1, sendMode: 'sync', managed: false, memoryMb: 512 },
  { name: 'lmi-1', kind: 'handler', concurrency: 1, sendMode: 'sync', managed: true, memoryMb: 2048 },
  { name: 'lmi-16', kind: 'handler', concurrency: 16, sendMode: 'sync', managed: true, memoryMb: 2048 },
  { name: 'lmi-64', kind: 'handler', concurrency: 64, sendMode: 'sync', managed: true, memoryMb: 2048 },
  { name: 'bare-64', kind: 'bare', concurrency: 64, sendMode: 'sync', managed: false, memoryMb: 2048 },
  // Where shared flushing would show: async sends are pending work an invocation's after-work
  // waits for. Scoped (LMI), and as the adapter did before scopes (every flush waits for all).
  { name: 'lmi-64-async', kind: 'handler', concurrency: 64, sendMode: 'async', managed: true, memoryMb: 2048 },
  { name: 'unscoped-64-async', kind: 'handler', concurrency: 64, sendMode: 'async', managed: false, memoryMb: 2048 },
];

/** Profiled in the last round: the handler at 64 concurrent invocations, and the producer bare. */
export const PROFILED = ['lmi-64', 'bare-64'];
const PROFILE_MS = 2000;

/** CPU per message (one per invocation), µs. */
export const cpuUs = (r: LmiLoadResult) => (r.cpuMs * 1000) / Math.max(1, r.sent + r.failed);

export interface LmiClientResult {
  client: LmiClient;
  /** In round order. */
  rounds: LmiLoadResult[];
}

export interface LmiResult {
  clients: LmiClientResult[];
  /** Who went first, per round. */
  orders: string[][];
}

/** The function's variables, as serverless.yml gives them (no state table: routes from the name server). */
function environment(nameServer: string, client: LmiClient): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
    NAMESRV_ADDR: nameServer,
    PRODUCER_GROUP: 'bench-lmi',
    POWERTOOLS_SERVICE_NAME: 'rocketmq-lambda',
    POWERTOOLS_METRICS_NAMESPACE: 'RocketMQLambda',
    AWS_REGION: 'us-east-1',
    ALLOWED_TOPICS: 'TopicTest',
  };
  if (client.kind === 'bare') return env;
  Object.assign(env, { AWS_LAMBDA_FUNCTION_NAME: 'publish', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(client.memoryMb) });
  if (client.managed) {
    Object.assign(env, { AWS_LAMBDA_MAX_CONCURRENCY: String(client.concurrency), AWS_LAMBDA_INITIALIZATION_TYPE: 'lambda-managed-instances' });
  }
  return env;
}

/**
 * bench/lmi-load.ts and what it imports (the publish handler, the producer), built by infra/build.ts
 * as it builds a function's artifact: bundled, minified, with a linked source map, which
 * NODE_OPTIONS=--enable-source-maps (serverless.yml) loads and the profile reads.
 */
async function bundle(dir: string): Promise<string> {
  const src = join(dir, 'src');
  mkdirSync(join(src, 'lmi-load'), { recursive: true });
  writeFileSync(join(src, 'lmi-load', 'index.ts'), `import ${JSON.stringify(join(ROOT, 'bench', 'lmi-load.ts'))};\n`);
  await buildFunctions({ src, out: join(dir, 'out') });
  return join(dir, 'out', 'lmi-load', 'index.mjs');
}

async function runClient(nameServer: string, client: LmiClient, timing: Timing, dir: string, script: string, profileMs: number): Promise<LmiLoadResult> {
  const file = join(dir, `${client.name}.json`);
  const args = ['--enable-source-maps', script, client.kind, String(client.concurrency), client.sendMode, String(timing.warmupMs), String(timing.measureMs)];
  // stdout (one EMF metrics line per invocation, as the function writes them) is not read here.
  const child = spawn(process.execPath, [...args, String(client.memoryMb), file, String(profileMs)], {
    cwd: ROOT,
    env: environment(nameServer, client),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timing.warmupMs + timing.measureMs + profileMs + 90_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`bench/lmi-load.ts (bundled) ${client.name} exited with ${code}:\n${stderr}`);
  return JSON.parse(readFileSync(file, 'utf8')) as LmiLoadResult;
}

export async function runLmi(nameServer: string, timing: Timing, log: (line: string) => void, clients = LMI_CLIENTS): Promise<LmiResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-lmi-'));
  try {
    const script = await bundle(dir);
    const rounds = new Map<string, LmiLoadResult[]>(clients.map((c) => [c.name, []]));
    const orders: string[][] = [];
    for (let round = 0; round < timing.rounds; round++) {
      const order = clients.map((_, i) => clients[(i + round) % clients.length]!);
      orders.push(order.map((c) => c.name));
      // The last round also profiles where the CPU goes, at 64 in flight, after its measured window.
      const last = round === timing.rounds - 1;
      for (const client of order) {
        const profileMs = last && PROFILED.includes(client.name) ? PROFILE_MS : 0;
        rounds.get(client.name)!.push(await runClient(nameServer, client, timing, dir, script, profileMs));
      }
      log(`  round ${round + 1}: CPU µs per message ${clients.map((c) => `${c.name} ${cpuUs(rounds.get(c.name)!.at(-1)!).toFixed(0)}`).join(', ')}`);
    }
    return { clients: clients.map((client) => ({ client, rounds: rounds.get(client.name)! })), orders };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
