// npm run bench: every measurement of BENCHMARKS.md in one bounded run, on the real local stack
// (started by the project's own scripts, or reused when running). Ratios are taken within this
// run; absolute numbers stand only next to them. Writes BENCHMARKS.md, bench/plots/*.svg and the
// raw numbers to bench/results/latest.json; `--report` only rewrites BENCHMARKS.md and the plots
// from those raw numbers (after a change to the report's text), measuring nothing.
//   npm run bench [-- --quick | --long] [--soak] | npm run bench -- --report | npm run bench -- --publish-once
//   npm run bench -- --floor [--quick]: only the shapes with the raw-socket floor, into the last run's report
//   npm run bench -- --edge [--quick]   only the edge runtimes (bench/edge.ts), into the last run's results
//   npm run bench -- --cold-start        only the cold start, into the last run's results
// BENCH_WARMUP_S, BENCH_MEASURE_S and BENCH_ROUNDS override the timing of either; --soak adds
// BENCH_SOAK_S (300) seconds of sends at a bounded rate to the memory check.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { describe, down, up } from '../infra/local/stack.ts';
import { runCodec } from './codec.ts';
import { runCompression } from './compression.ts';
import { runMemory } from './memory.ts';
import { runColdStart } from './cold-start.ts';
import { BRIDGE_BATCH_SIZES, runCost } from './cost.ts';
import { edgeTiming, runEdge } from './edge.ts';
import { runLmi } from './lmi.ts';
import { runPublishOnce } from './publish-once.ts';
import { floorPlot, type SendProfile } from './floor-report.ts';
import { barChart } from './svg.ts';
import { runThroughput, SHAPES, type Shape, type ShapeResult, type Timing } from './throughput.ts';
import { bridgeRow, report, type Results, summarize } from './report.ts';
import { ROOT, runJson, TSX } from './util.ts';

const log = (line: string) => process.stderr.write(`${line}\n`);

function timing(args: string[], env: NodeJS.ProcessEnv): Timing {
  const preset = args.includes('--quick') ? [1, 2, 1] : args.includes('--long') ? [5, 10, 3] : [3, 7, 3];
  const soakSeconds = args.includes('--soak') ? Number(env.BENCH_SOAK_S ?? 300) : 0;
  const read = (name: string, fallback: number) => {
    const value = env[name] === undefined ? fallback : Number(env[name]);
    if (!(value > 0)) throw new Error(`${name}: "${env[name]}" is not a positive number`);
    return value;
  };
  return {
    warmupMs: read('BENCH_WARMUP_S', preset[0]!) * 1000,
    measureMs: read('BENCH_MEASURE_S', preset[1]!) * 1000,
    rounds: Math.round(read('BENCH_ROUNDS', preset[2]!)),
    soakSeconds,
  };
}

const LATEST = join(ROOT, 'bench', 'results', 'latest.json');

/** Where a send's CPU goes at 64 in flight (bench/send-profile.ts, a process of its own). */
function profileSends(nameServer: string, plan: Timing): Promise<SendProfile> {
  log('where a send spends its CPU at 64 in flight (profile)...');
  return runJson<SendProfile>(process.execPath, [TSX, 'bench/send-profile.ts', nameServer, 'TopicTest', String(plan.warmupMs), String(plan.measureMs)], {
    timeoutMs: plan.warmupMs + plan.measureMs + 60_000,
  });
}

/** BENCHMARKS.md and the plots, from one run's raw numbers. */
function publish(results: Results): void {
  const plots = join(ROOT, 'bench', 'plots');
  mkdirSync(plots, { recursive: true });
  const inflight = results.throughput.filter((t) => t.size === 1024 && t.mode === 'sync').map((t) => ({ t, s: summarize(t) }));
  writeFileSync(
    join(plots, 'throughput-inflight.svg'),
    `${barChart(
      'Throughput against sends in flight, 1 KiB sync (median of rounds, log scale)',
      inflight.map(({ t }) => `${t.inflight} in flight`),
      [
        { name: 'ours', color: '#2b7bb9', values: inflight.map(({ s }) => s.ours) },
        { name: 'Java', color: '#e08a2c', values: inflight.map(({ s }) => s.java) },
        { name: 'ali-ons', color: '#7a9a3a', values: inflight.map(({ s }) => s.ons ?? 0) },
      ],
      'msg/s',
    )}\n`,
  );
  const all = results.throughput.map((t) => ({ t, s: summarize(t) }));
  writeFileSync(
    join(plots, 'latency.svg'),
    `${barChart(
      'Send latency per shape (median of rounds, log scale)',
      all.map(({ t }) => `${t.size} B ${t.inflight} ${t.mode}`),
      [
        { name: 'ours p50', color: '#2b7bb9', values: all.map(({ s }) => s.oursP50) },
        { name: 'Java p50', color: '#e08a2c', values: all.map(({ s }) => s.javaP50) },
        { name: 'ours p99', color: '#8cc0e8', values: all.map(({ s }) => s.oursP99) },
        { name: 'Java p99', color: '#f3c38c', values: all.map(({ s }) => s.javaP99) },
      ],
      'ms',
    )}\n`,
  );
  writeFileSync(
    join(plots, 'bridge-batch-size.svg'),
    `${barChart(
      'SQS bridge records per second against records per invocation (log scale)',
      BRIDGE_BATCH_SIZES.map((n) => n.toLocaleString('en-US')),
      (['batch', 'sequential', 'concurrent'] as const).map((strategy, i) => ({
        name: strategy === 'batch' ? 'bridge (batch sends)' : `one ${strategy} send per record`,
        color: ['#2b7bb9', '#e08a2c', '#7a9a3a'][i]!,
        values: BRIDGE_BATCH_SIZES.map((n) => bridgeRow(results.cost.bridge, n, strategy).recordsPerSecond),
      })),
      'records/s',
    )}\n`,
  );
  const cpuFloor = floorPlot(results.throughput);
  if (cpuFloor) writeFileSync(join(plots, 'cpu-floor.svg'), cpuFloor);
  writeFileSync(join(ROOT, 'BENCHMARKS.md'), report(results));
}

/**
 * One part measured again into the last run's raw numbers (the other tables kept), BENCHMARKS.md
 * rewritten; the stack started here is stopped after.
 */
async function remeasure(
  what: string,
  measure: (state: Awaited<ReturnType<typeof up>>['state'], results: Results) => Promise<void>,
  options?: Parameters<typeof up>[0],
): Promise<never> {
  const { state, reused } = await up(options);
  try {
    const results = JSON.parse(readFileSync(LATEST, 'utf8')) as Results;
    await measure(state, results);
    writeFileSync(LATEST, `${JSON.stringify(results, null, 2)}\n`);
    publish(results);
    log(`BENCHMARKS.md rewritten with ${what} measured again`);
  } finally {
    if (!reused) await down();
  }
  process.exit(0);
}

if (process.argv.includes('--publish-once')) {
  // What publishing once costs.
  await remeasure('publishing once', async (state, results) => {
    const info = describe(state);
    results.publishOnce = await runPublishOnce(info.nameServer, info.dynamodb!.endpoint, log);
  });
}

if (process.argv.includes('--floor')) {
  // The shapes the raw-socket floor runs (ours, the floor, Java and ali-ons in the same rounds), in
  // place of the last run's, and the send profile.
  const plan = timing(process.argv.slice(2), process.env);
  await remeasure('the floor shapes', async (state, results) => {
    results.sendProfile = await profileSends(describe(state).nameServer, plan);
    const measured = await runThroughput(
      describe(state).nameServer,
      state.lib,
      plan,
      log,
      SHAPES.filter((s) => s.floor),
    );
    const same = (a: Shape, b: Shape) => a.size === b.size && a.inflight === b.inflight && a.mode === b.mode;
    results.throughput = SHAPES.map((shape) => measured.find((m) => same(m, shape)) ?? results.throughput.find((t) => same(t, shape))).filter(
      (t): t is ShapeResult => t !== undefined,
    );
  });
}

if (process.argv.includes('--edge')) {
  // The edge runtimes; the stack without DynamoDB.
  await remeasure(
    'the edge runtimes',
    async (state, results) => {
      results.edge = await runEdge(describe(state), edgeTiming(process.argv.includes('--quick')), log);
    },
    { dynamodb: false },
  );
}

if (process.argv.includes('--cold-start')) {
  // The cold start: artifacts, init, first invocation on Node 20, 22 and 24.
  await remeasure('the cold start', async (state, results) => {
    const info = describe(state);
    results.coldStart = await runColdStart(info.nameServer, info.dynamodb?.endpoint, log);
  });
}

if (process.argv.includes('--report')) {
  publish(JSON.parse(readFileSync(LATEST, 'utf8')) as Results);
  log('BENCHMARKS.md and bench/plots/ rewritten from bench/results/latest.json');
  process.exit(0);
}

const plan = timing(process.argv.slice(2), process.env);
const begun = Date.now();
const { state, reused } = await up();
const info = describe(state);
try {
  log('codec...');
  const codec = runCodec();
  log(
    `throughput and latency against the Java reference producer and ali-ons (${plan.rounds} rounds of ${plan.warmupMs / 1000} + ${plan.measureMs / 1000} s)...`,
  );
  const throughput = await runThroughput(info.nameServer, state.lib, plan, log);
  const sendProfile = await profileSends(info.nameServer, plan);
  log(`one environment on Lambda Managed Instances against classic Lambda and the bare producer (${plan.rounds} rounds)...`);
  const lmi = await runLmi(info.nameServer, plan, log);
  log('cold start...');
  const coldStart = await runColdStart(info.nameServer, info.dynamodb?.endpoint, log);
  log('cost and the bridge at batch sizes 10 to 10,000...');
  const cost = await runCost(info.nameServer, info.dynamodb?.endpoint, plan.rounds);
  log('compression...');
  const compression = runCompression();
  log(`memory over 100,000 sends${plan.soakSeconds ? ` and a ${plan.soakSeconds} s soak` : ''}...`);
  const memory = await runMemory(info.nameServer, plan.soakSeconds);
  log('publish once: what a keyed HTTP request costs...');
  const publishOnce = info.dynamodb ? await runPublishOnce(info.nameServer, info.dynamodb.endpoint, log) : undefined;
  log('edge runtimes: workerd, Deno and Bun against Node...');
  const edge = await runEdge(info, edgeTiming(process.argv.includes('--quick')), log);
  const results = {
    date: new Date().toISOString(),
    cpus: cpus().length,
    node: process.version,
    minutes: 0,
    timing: plan,
    codec,
    throughput,
    sendProfile,
    lmi,
    coldStart,
    cost,
    compression,
    memory,
    ...(publishOnce ? { publishOnce } : {}),
    edge,
  };
  results.minutes = (Date.now() - begun) / 60_000;

  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(LATEST, `${JSON.stringify(results, null, 2)}\n`);
  publish(results);
  log(`done in ${results.minutes.toFixed(1)} min: BENCHMARKS.md, bench/plots/, bench/results/latest.json`);
} finally {
  if (!reused) await down();
}
process.exit(0);
