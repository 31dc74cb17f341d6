// The edge runtimes against Node, in one run on the same brokers (`npm run bench -- --edge`):
//   - bundle size: the edge publish Worker and a minimal withEdgeProducer Worker, bundled as
//     wrangler uploads them, raw and gzip-compressed (as wrangler measures it), and minified;
//   - latency: a freshly started workerd's first request (cold isolate) against later ones, each
//     request with a producer of its own (functions/edge-publish); for Node, Deno and Bun the first
//     send after the process started against warm sends of the same long-lived producer;
//   - sends per second with 16 and 64 at once, 1 KiB: one long-lived producer per process (Node,
//     Deno, Bun), one producer inside one workerd request, and the edge publish Worker under as
//     many concurrent requests (a producer per request, as deployed); CPU per send;
//   - the transport inside workerd: the same pre-encoded SEND_MESSAGE_V2 frame over node:net (what
//     the producer uses) and over cloudflare:sockets connect(), round trips one at a time and 16 at
//     once on one socket, and a socket per round trip; wall time and workerd's CPU.
// Every client runs `rounds` times, each round in another order; the report takes medians and,
// for ratios, the spread over rounds.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { compatibilityDate, EDGE_RUNTIMES, ensureEdgeRuntime } from '../infra/edge-runtimes.ts';
import { bundleWorker, type ServedWorker, serveBundle } from '../test/edge/support/workerd.ts';
import { body, run } from './harness.ts';
import { sendFrame } from './send-frame.ts';
import { median, ROOT } from './util.ts';

export const EDGE_INFLIGHT = [16, 64] as const;
export const WORKERS_LIMITS = { freeGzipBytes: 3 * 1024 * 1024, paidGzipBytes: 10 * 1024 * 1024 };
const BODY_BYTES = 1024;
export const WARM_SENDS = 20;

export interface BundleRow {
  name: 'edge-publish' | 'minimal';
  bytes: number;
  gzipBytes: number;
  minifiedBytes: number;
  minifiedGzipBytes: number;
}

/** One fresh workerd serving the edge publish Worker: start, its first request, the second, warm ones. */
export interface WorkerdColdRound {
  listenMs: number;
  firstMs: number;
  secondMs: number;
  /** Median of WARM_SENDS requests. */
  warmMs: number;
}

/** One fresh process with one long-lived producer (bench/edge/long-lived.ts, mode latency). */
export interface ProcessColdRound {
  /** Process start to the module running (runtime start and the bundle's top level). */
  loadedMs: number;
  /** producer.start() and the first send. */
  firstSendMs: number;
  /** Process start to the first SendResult. */
  firstResultAtMs: number;
  /** Median of WARM_SENDS sends after it. */
  warmMs: number;
  /** Median of WARM_SENDS calls of withEdgeProducer after those: a producer per call, routes from memory. */
  perRequestMs: number;
}

export type LongLivedRuntime = 'node' | 'deno' | 'bun';
export type LoadClient = LongLivedRuntime | 'nodePerRequest' | 'workerd' | 'workerdRequests';

export interface LoadFigure {
  sent: number;
  failed: number;
  elapsedMs: number;
  /** CPU of the process in the measured window (for workerd, the workerd process's). */
  cpuMs: number;
  /** CPU of the two brokers' processes in the window; null where /proc could not be read. */
  brokerCpuMs: number | null;
}

export interface EdgeLoadShape {
  inflight: number;
  rounds: ({ order: LoadClient[] } & Record<LoadClient, LoadFigure>)[];
}

export interface TransportFigure {
  /** Wall time of the request as the bench saw it, and workerd's CPU over it. */
  ms: number;
  cpuMs: number;
}
export type TransportShape = 'sequential' | 'pipelined' | 'connects';
export interface TransportRound {
  order: ('net' | 'sockets')[];
  net: Record<TransportShape, TransportFigure>;
  sockets: Record<TransportShape, TransportFigure>;
}

export interface EdgeResult {
  date: string;
  seconds: number;
  cpus: number;
  /** The machine's 1-minute load average at the start and at the end: how much else was running. */
  loadAverage: [number, number];
  versions: Record<LongLivedRuntime | 'workerd', string>;
  compatibilityDate: string;
  timing: { warmupMs: number; measureMs: number; rounds: number; coldRounds: number };
  bundles: BundleRow[];
  workerdCold: WorkerdColdRound[];
  processCold: Record<LongLivedRuntime, ProcessColdRound[]>;
  load: EdgeLoadShape[];
  /** Round trips per transport run: one at a time, 16 at once, and sockets opened one after another. */
  transportCounts: Record<TransportShape, number>;
  transport: TransportRound[];
}

export interface EdgeStack {
  nameServer: string;
  brokers: Record<string, { address: string; pid: number }>;
}

const TRANSPORT_COUNTS: Record<TransportShape, number> = { sequential: 2000, pipelined: 6000, connects: 150 };
const PIPELINED = 16;

/** Clock ticks per second of /proc's CPU times. */
function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100; // Linux's usual USER_HZ
  }
}

/** Per process: CPU time (user + system) so far, in ms, from /proc. */
function cpuReader(ticks: number): (pid: number) => number {
  return (pid) => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) in parentheses: utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticks;
  };
}

async function bundleSizes(dir: string): Promise<BundleRow[]> {
  const entries = { 'edge-publish': join(ROOT, 'functions', 'edge-publish', 'worker.ts'), minimal: join(ROOT, 'bench', 'edge', 'minimal-worker.ts') } as const;
  const rows: BundleRow[] = [];
  for (const [name, entry] of Object.entries(entries) as [BundleRow['name'], string][]) {
    const plain = join(dir, `${name}.js`);
    const minified = join(dir, `${name}.min.js`);
    await bundleWorker(plain, entry);
    await bundleWorker(minified, entry, { minify: true });
    const [a, b] = [readFileSync(plain), readFileSync(minified)];
    rows.push({ name, bytes: a.byteLength, gzipBytes: gzipSync(a).byteLength, minifiedBytes: b.byteLength, minifiedGzipBytes: gzipSync(b).byteLength });
  }
  return rows;
}

/** A fresh directory holding `bundle` as worker.js, for one workerd process (close() removes it). */
function stage(bundle: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-edge-workerd-'));
  copyFileSync(bundle, join(dir, 'worker.js'));
  return dir;
}

const finite = (n: number): number | null => (Number.isFinite(n) ? n : null);

/** The ms the function took; it throws when the answer is not what was expected. */
async function timed(work: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await work();
  return performance.now() - t;
}

function publisher(url: string, token: string, payload: string) {
  return async () => {
    const response = await fetch(`${url}/topics/TopicTest/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: payload,
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`the edge publish Worker answered ${response.status}: ${text}`);
  };
}

/**
 * Runs a bench/edge/long-lived.ts bundle and answers the last JSON line it prints; when it prints
 * its measured window's start and end, the brokers' CPU between them is added as brokerCpuMs.
 */
function runWindowed(binary: string, args: string[], env: NodeJS.ProcessEnv, brokersCpuMs: () => number): Promise<Record<string, unknown>> {
  return new Promise((settle, fail) => {
    const child = spawn(binary, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let lines = 0;
    let windowStart = Number.NaN;
    let brokerCpuMs: number | null = null;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const complete = stdout.split('\n').slice(0, -1);
      for (const line of complete.slice(lines)) {
        if (line === '{"window":"start"}') windowStart = brokersCpuMs();
        if (line === '{"window":"end"}') brokerCpuMs = finite(brokersCpuMs() - windowStart);
      }
      lines = complete.length;
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('error', fail);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !last.startsWith('{')) {
        fail(new Error(`${binary} ${args.join(' ')} exited with ${code}\nstdout: ${stdout.slice(-2000)}\nstderr: ${stderr.slice(-2000)}`));
        return;
      }
      settle({ ...(JSON.parse(last) as Record<string, unknown>), brokerCpuMs });
    });
  });
}

export interface EdgeTiming {
  warmupMs: number;
  measureMs: number;
  rounds: number;
  coldRounds: number;
}

export const edgeTiming = (quick: boolean): EdgeTiming =>
  quick ? { warmupMs: 500, measureMs: 1000, rounds: 1, coldRounds: 2 } : { warmupMs: 1000, measureMs: 2000, rounds: 3, coldRounds: 5 };

export async function runEdge(stack: EdgeStack, timing: EdgeTiming, log: (line: string) => void): Promise<EdgeResult> {
  const begun = Date.now();
  const loadAtStart = loadavg()[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'bench-edge-'));
  const served: ServedWorker[] = [];
  try {
    const binaries = { workerd: ensureEdgeRuntime('workerd'), deno: ensureEdgeRuntime('deno'), bun: ensureEdgeRuntime('bun') };
    log('  bundles...');
    const bundles = await bundleSizes(dir);
    const benchWorker = join(dir, 'bench-worker.js');
    await bundleWorker(benchWorker, join(ROOT, 'bench', 'edge', 'worker.ts'));
    // One bundle of the long-lived program for Node, Deno and Bun alike.
    const longLived = join(dir, 'long-lived.mjs');
    await build({
      entryPoints: [join(ROOT, 'bench', 'edge', 'long-lived.ts')],
      outfile: longLived,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'es2022',
      logLevel: 'warning',
    });

    const ticks = clockTicks();
    const cpuMs = cpuReader(ticks);
    const hosts = [...new Set([stack.nameServer, ...Object.values(stack.brokers).map((b) => b.address)].map((a) => a.slice(0, a.lastIndexOf(':'))))];
    const brokerPids = Object.values(stack.brokers).map((b) => b.pid);
    const brokersCpuMs = () => {
      try {
        return brokerPids.reduce((sum, pid) => sum + cpuMs(pid), 0);
      } catch {
        return Number.NaN;
      }
    };
    const env = { ...process.env, NO_COLOR: '1' };
    const denoArgs = ['run', '--no-prompt', '--no-lock', `--allow-net=${hosts.join(',')}`, '--allow-sys=networkInterfaces'];
    const commands: Record<LongLivedRuntime, [string, string[], NodeJS.ProcessEnv]> = {
      node: [process.execPath, [], env],
      deno: [binaries.deno, denoArgs, { ...env, DENO_DIR: join(ROOT, '.cache', 'edge', 'deno-dir') }],
      bun: [binaries.bun, [], env],
    };
    const runners = Object.fromEntries(
      Object.entries(commands).map(([runtime, [binary, before, childEnv]]) => [
        runtime,
        (args: string[]) => runWindowed(binary, [...before, longLived, ...args], childEnv, brokersCpuMs),
      ]),
    ) as Record<LongLivedRuntime, (args: string[]) => Promise<Record<string, unknown>>>;
    const versions: EdgeResult['versions'] = { workerd: EDGE_RUNTIMES.workerd, node: process.version, deno: EDGE_RUNTIMES.deno, bun: EDGE_RUNTIMES.bun };

    const token = `bench-${Math.random().toString(36).slice(2)}`;
    const bindings = { NAMESRV_ADDR: stack.nameServer, PRODUCER_GROUP: 'bench-edge-publish', ALLOWED_TOPICS: 'TopicTest', PUBLISH_TOKEN: token };
    const payload = JSON.stringify({ body: body(BODY_BYTES).toString() });
    const publishBundle = join(dir, 'edge-publish.js');

    log(`  cold and warm: a fresh workerd and a fresh Node, Deno and Bun process, ${timing.coldRounds} rounds...`);
    const workerdCold: WorkerdColdRound[] = [];
    const processCold: EdgeResult['processCold'] = { node: [], deno: [], bun: [] };
    const order: LongLivedRuntime[] = ['node', 'deno', 'bun'];
    // The first round warms the machine's caches (binaries, the bundle) and this process's fetch; it is not kept.
    for (let round = -1; round < timing.coldRounds; round++) {
      const worker = await serveBundle(binaries.workerd, stage(publishBundle), { bindings });
      try {
        const send = publisher(worker.url, token, payload);
        const firstMs = await timed(send);
        const secondMs = await timed(send);
        const warm: number[] = [];
        for (let i = 0; i < WARM_SENDS; i++) warm.push(await timed(send));
        if (round >= 0) workerdCold.push({ listenMs: worker.listenMs, firstMs, secondMs, warmMs: median(warm) });
      } finally {
        await worker.close();
      }
      for (let i = 0; i < order.length; i++) {
        const runtime = order[(i + round + 1) % order.length]!;
        const got = (await runners[runtime]([
          'latency',
          stack.nameServer,
          'TopicTest',
          String(BODY_BYTES),
          String(WARM_SENDS),
        ])) as unknown as ProcessColdRound & {
          status: string;
        };
        if (got.status !== 'SEND_OK') throw new Error(`${runtime}: the first send answered ${got.status}`);
        if (round >= 0) {
          const { loadedMs, firstSendMs, firstResultAtMs, warmMs, perRequestMs } = got;
          processCold[runtime].push({ loadedMs, firstSendMs, firstResultAtMs, warmMs, perRequestMs });
        }
      }
    }

    // workerd for the rest: the bench Worker (one producer in a request; the transports) and the edge publish Worker.
    const bench = await serveBundle(binaries.workerd, stage(benchWorker));
    served.push(bench);
    const publish = await serveBundle(binaries.workerd, stage(publishBundle), { bindings });
    served.push(publish);
    const benchGet = async (path: string, init?: RequestInit) => {
      const response = await fetch(`${bench.url}${path}`, init);
      const text = await response.text();
      if (response.status !== 200) throw new Error(`the bench Worker answered ${response.status}: ${text}`);
      return JSON.parse(text) as Record<string, number>;
    };
    const inWorkerd = async (inflight: number): Promise<LoadFigure> => {
      const query = (ms: number) =>
        `/load?${new URLSearchParams({ nameServer: stack.nameServer, topic: 'TopicTest', size: String(BODY_BYTES), inflight: String(inflight), ms: String(ms) })}`;
      await benchGet(query(timing.warmupMs));
      const [cpu, brokers] = [cpuMs(bench.pid), brokersCpuMs()];
      const got = await benchGet(query(timing.measureMs));
      return { sent: got.sent!, failed: got.failed!, elapsedMs: got.elapsedMs!, cpuMs: cpuMs(bench.pid) - cpu, brokerCpuMs: finite(brokersCpuMs() - brokers) };
    };
    const perRequest = async (inflight: number): Promise<LoadFigure> => {
      const send = publisher(publish.url, token, payload);
      await run(send, inflight, Date.now() + timing.warmupMs);
      const [cpu, brokers] = [cpuMs(publish.pid), brokersCpuMs()];
      const t = performance.now();
      const { latencies, failed } = await run(send, inflight, Date.now() + timing.measureMs);
      return {
        sent: latencies.length - failed,
        failed,
        elapsedMs: performance.now() - t,
        cpuMs: cpuMs(publish.pid) - cpu,
        brokerCpuMs: finite(brokersCpuMs() - brokers),
      };
    };
    const longLivedLoad = async (runtime: LongLivedRuntime, inflight: number, perRequest = false): Promise<LoadFigure> => {
      const args = ['load', stack.nameServer, 'TopicTest', String(BODY_BYTES), String(inflight), String(timing.warmupMs), String(timing.measureMs)];
      const got = (await runners[runtime](perRequest ? [...args, 'per-request'] : args)) as unknown as LoadFigure;
      return { sent: got.sent, failed: got.failed, elapsedMs: got.elapsedMs, cpuMs: got.cpuMs, brokerCpuMs: got.brokerCpuMs };
    };

    const load: EdgeLoadShape[] = [];
    const clients: LoadClient[] = ['node', 'deno', 'bun', 'workerd', 'nodePerRequest', 'workerdRequests'];
    let turn = 0;
    for (const inflight of EDGE_INFLIGHT) {
      log(`  ${inflight} in flight, 1 KiB: ${timing.rounds} rounds of ${timing.warmupMs / 1000} + ${timing.measureMs / 1000} s per client...`);
      const shape: EdgeLoadShape = { inflight, rounds: [] };
      for (let round = 0; round < timing.rounds; round++) {
        const roundOrder = clients.map((_, i) => clients[(i + turn) % clients.length]!);
        turn += 1;
        const got: Partial<Record<LoadClient, LoadFigure>> = {};
        for (const client of roundOrder) {
          got[client] =
            client === 'workerd'
              ? await inWorkerd(inflight)
              : client === 'workerdRequests'
                ? await perRequest(inflight)
                : client === 'nodePerRequest'
                  ? await longLivedLoad('node', inflight, true)
                  : await longLivedLoad(client, inflight);
        }
        shape.rounds.push({ order: roundOrder, ...(got as Record<LoadClient, LoadFigure>) });
        const tps = (f: LoadFigure) => Math.round((f.sent / f.elapsedMs) * 1000);
        log(`    ${clients.map((c) => `${c} ${tps(got[c]!)}/s`).join(', ')}`);
      }
      load.push(shape);
    }

    log(`  transport in workerd: node:net against cloudflare:sockets, ${timing.rounds} rounds...`);
    // The request the producer would write for a 1 KiB body to broker-a, queue 0.
    const frame = sendFrame(
      { producerGroup: 'bench-edge', topic: 'TopicTest', brokerName: 'broker-a', queueId: 0 },
      'WAIT\u0001true\u0002',
      body(BODY_BYTES),
      1,
    );
    const broker = stack.brokers['broker-a']!.address;
    const transport: TransportRound[] = [];
    const shapes: TransportShape[] = ['sequential', 'pipelined', 'connects'];
    const transportRun = async (kind: 'net' | 'sockets', shape: TransportShape): Promise<TransportFigure> => {
      const query = new URLSearchParams({
        transport: kind,
        address: broker,
        n: String(TRANSPORT_COUNTS[shape]),
        inflight: String(shape === 'pipelined' ? PIPELINED : 1),
        connects: shape === 'connects' ? '1' : '0',
      });
      const cpu = cpuMs(bench.pid);
      const t = performance.now();
      await benchGet(`/transport?${query}`, { method: 'POST', body: frame });
      return { ms: performance.now() - t, cpuMs: cpuMs(bench.pid) - cpu };
    };
    // One unkept pass first: the first calls of either path compile it.
    for (const kind of ['net', 'sockets'] as const) for (const shape of shapes) await transportRun(kind, shape);
    for (let round = 0; round < timing.rounds; round++) {
      const kinds: ('net' | 'sockets')[] = round % 2 === 0 ? ['net', 'sockets'] : ['sockets', 'net'];
      const got: Partial<Record<'net' | 'sockets', Record<TransportShape, TransportFigure>>> = {};
      for (const shape of shapes) {
        for (const kind of kinds) {
          got[kind] ??= {} as Record<TransportShape, TransportFigure>;
          got[kind]![shape] = await transportRun(kind, shape);
        }
      }
      transport.push({ order: kinds, net: got.net!, sockets: got.sockets! });
    }

    return {
      date: new Date().toISOString(),
      seconds: (Date.now() - begun) / 1000,
      cpus: cpus().length,
      loadAverage: [loadAtStart, loadavg()[0]!],
      versions,
      compatibilityDate: compatibilityDate(),
      timing,
      bundles,
      workerdCold,
      processCold,
      load,
      transportCounts: TRANSPORT_COUNTS,
      transport,
    };
  } finally {
    for (const worker of served) await worker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// `tsx bench/edge.ts <nameServer> <broker-a address> <its pid> <broker-b address> <its pid> [--quick]` measures only
// this and prints the result, rewriting nothing (npm run bench -- --edge stores and reports it).
if (import.meta.url === `file://${process.argv[1]}`) {
  const [nameServer, a, pa, b, pb] = process.argv.slice(2);
  const result = await runEdge(
    { nameServer: nameServer!, brokers: { 'broker-a': { address: a!, pid: Number(pa) }, 'broker-b': { address: b!, pid: Number(pb) } } },
    edgeTiming(process.argv.includes('--quick')),
    (line) => process.stderr.write(`${line}\n`),
  );
  console.log(JSON.stringify(result, null, 2));
  process.exit(0);
}
