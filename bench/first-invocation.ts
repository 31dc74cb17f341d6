// The first invocation against a warm one on the Node versions Lambda runs (22 and 24), for each
// way tried of making the first as fast as a warm one: nothing, the opt-in warm-up send
// (WARM_UP_TOPIC), and a V8 code cache made at build time. Init duration beside each, since the
// init phase is billed too. The first two again with every invocation after 10 ms of idle, as a
// warm function's events come, where back to back each finds the send path in the CPU's caches.
//
// The code cache is an experiment, not a shipped option: V8 takes a cache only from the same V8
// build run with the same flags, and Lambda's bootstrap passes flags of its own (heap sizes from the
// function's memory) while the runtime's Node patch release moves on Lambda's schedule. Measured
// here: a cache made after one invocation (so it holds the functions the first event compiles),
// loaded through vm.Script, with the flags it was made with and with the bootstrap's.
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureNode, NODE_RUNTIMES, type NodeMajor } from '../infra/runtimes.ts';
import { median, ROOT, runJson } from './util.ts';

export interface Invocations {
  initMs: number;
  firstMs: number;
  secondMs: number;
  warmMs: number;
  /** Code cache runs only: whether V8 refused the cache. */
  rejected?: boolean;
}

export interface FirstInvocationRow {
  node: string;
  /** What was tried. */
  option:
    | 'none'
    | 'warm-up'
    | 'none, 10 ms apart'
    | 'warm-up, 10 ms apart'
    | 'code cache'
    | 'code cache + warm-up'
    | 'code cache, loaded with Lambda flags'
    | 'code cache made and loaded with Lambda flags';
  /** Medians over the runs. */
  result: Invocations;
  runs: number;
}

const RUNS = 15;
/** What Lambda's Node bootstrap passes for a function of 1024 MB (heap sizes scale with the memory). */
export const LAMBDA_FLAGS = ['--expose-gc', '--max-http-header-size', '81920', '--max-semi-space-size=51', '--max-old-space-size=922'];

/**
 * Invocations 10 ms apart (the first 10 ms after the init phase): the CPU's caches and branch
 * predictors cool between them, as between a warm function's events, where back to back every
 * invocation finds the send path in them from the one before.
 */
const SPACED_MS = 10;

/**
 * The HTTP API event of a publish, and the timing of the first, second and 20 warm invocations,
 * each after `spacingMs` of idle (0: back to back).
 */
const invoke = (spacingMs: number) => `
  const event = (body) => ({ version: '2.0', rawPath: '/topics/TopicTest/messages', headers: { 'content-type': 'application/json' },
    requestContext: { http: { method: 'POST', path: '/topics/TopicTest/messages' } }, body: JSON.stringify({ body }), isBase64Encoded: false });
  const context = { awsRequestId: 'cold', getRemainingTimeInMillis: () => 10000 };
  const timed = async () => { ${spacingMs > 0 ? `await new Promise((resolve) => setTimeout(resolve, ${spacingMs}));` : ''} const t = performance.now(); const r = await handler(event('cold'), context); if (r.statusCode !== 200) throw new Error(r.body); return performance.now() - t; };
  const firstMs = await timed();
  const secondMs = await timed();
  const warm = [];
  for (let i = 0; i < 20; i++) warm.push(await timed());
  warm.sort((a, b) => a - b);`;

/** The ES module artifact, imported as Lambda's runtime imports it. */
function esmScript(bundle: string, spacingMs = 0): string {
  return `
    const t0 = performance.now();
    const { handler } = await import(${JSON.stringify(bundle)});
    const initMs = performance.now() - t0;
    ${invoke(spacingMs)}
    console.log(JSON.stringify({ initMs, firstMs, secondMs, warmMs: warm[10] }));
    process.exit(0);`;
}

/**
 * The CommonJS bundle compiled through vm.Script with the cache file when there is one; with
 * `make`, the cache is written after the invocations, holding what they compiled.
 */
function cachedScript(bundle: string, cache: string, make: boolean): string {
  return `
    const { readFileSync, writeFileSync, existsSync } = await import('node:fs');
    const { Script } = await import('node:vm');
    const { createRequire } = await import('node:module');
    const t0 = performance.now();
    const file = ${JSON.stringify(bundle)};
    const cachedData = ${make ? 'undefined' : `existsSync(${JSON.stringify(cache)}) ? readFileSync(${JSON.stringify(cache)}) : undefined`};
    const script = new Script('(function (exports, require, module, __filename, __dirname) {' + readFileSync(file, 'utf8') + '\\n})', { filename: file, cachedData });
    const module = { exports: {} };
    script.runInThisContext()(module.exports, createRequire(file), module, file, ${JSON.stringify(join(bundle, '..'))});
    await module.exports.ready;
    const { handler } = module.exports;
    const initMs = performance.now() - t0;
    ${invoke(0)}
    ${make ? `writeFileSync(${JSON.stringify(cache)}, script.createCachedData());` : ''}
    console.log(JSON.stringify({ initMs, firstMs, secondMs, warmMs: warm[10], rejected: script.cachedDataRejected === true }));
    process.exit(0);`;
}

/**
 * The publish function as one CommonJS file for vm.Script: its top-level await of the init phase
 * becomes an exported promise the loader awaits (CommonJS has no top-level await).
 */
async function commonJsBundle(out: string): Promise<string> {
  const entry = join(ROOT, 'functions', 'publish', 'index.ts');
  const outfile = join(out, 'publish.cjs');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    logLevel: 'error',
    plugins: [
      {
        name: 'init-as-export',
        setup(b) {
          b.onLoad({ filter: /functions[\\/]publish[\\/]index\.ts$/ }, () => {
            const source = readFileSync(entry, 'utf8');
            const changed = source.replace(/^await prepareInInit\(/m, 'export const ready = prepareInInit(');
            if (changed === source) throw new Error('the publish function no longer awaits prepareInInit at its top level');
            return { contents: changed, loader: 'ts', resolveDir: join(entry, '..') };
          });
        },
      },
    ],
  });
  return outfile;
}

const medians = (runs: Invocations[]): Invocations => ({
  initMs: median(runs.map((r) => r.initMs)),
  firstMs: median(runs.map((r) => r.firstMs)),
  secondMs: median(runs.map((r) => r.secondMs)),
  warmMs: median(runs.map((r) => r.warmMs)),
  ...(runs.some((r) => r.rejected !== undefined) ? { rejected: runs.every((r) => r.rejected) } : {}),
});

/** Every option on Node 22 and 24; `bundle` is the ES module artifact of the publish function. */
export async function runFirstInvocation(bundle: string, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<FirstInvocationRow[]> {
  const out = mkdtempSync(join(tmpdir(), 'bench-first-'));
  try {
    const cjs = await commonJsBundle(out);
    const rows: FirstInvocationRow[] = [];
    for (const major of Object.keys(NODE_RUNTIMES) as NodeMajor[]) {
      const node = ensureNode(major);
      const version = `v${NODE_RUNTIMES[major]}`;
      const warmUpEnv = { ...env, WARM_UP_TOPIC: 'TopicTest' };
      const run = (args: string[], script: string, runEnv: NodeJS.ProcessEnv) =>
        runJson<Invocations>(node, [...args, '--input-type=module', '-e', script], { env: runEnv });
      const cache = join(out, `publish-${major}.cache`);
      const lambdaCache = join(out, `publish-${major}-lambda.cache`);
      // Made once per Node, after an invocation, with the flags each loading run uses.
      await run([], cachedScript(cjs, cache, true), env);
      await run(LAMBDA_FLAGS, cachedScript(cjs, lambdaCache, true), env);
      const options: [FirstInvocationRow['option'], () => Promise<Invocations>][] = [
        ['none', () => run(LAMBDA_FLAGS, esmScript(bundle), env)],
        ['warm-up', () => run(LAMBDA_FLAGS, esmScript(bundle), warmUpEnv)],
        ['none, 10 ms apart', () => run(LAMBDA_FLAGS, esmScript(bundle, SPACED_MS), env)],
        ['warm-up, 10 ms apart', () => run(LAMBDA_FLAGS, esmScript(bundle, SPACED_MS), warmUpEnv)],
        ['code cache', () => run([], cachedScript(cjs, cache, false), env)],
        ['code cache + warm-up', () => run([], cachedScript(cjs, cache, false), warmUpEnv)],
        // A cache made without Lambda's flags, loaded with them, as a cache built off Lambda would be.
        ['code cache, loaded with Lambda flags', () => run(LAMBDA_FLAGS, cachedScript(cjs, cache, false), env)],
        ['code cache made and loaded with Lambda flags', () => run(LAMBDA_FLAGS, cachedScript(cjs, lambdaCache, false), env)],
      ];
      const results = new Map<string, Invocations[]>(options.map(([option]) => [option, []]));
      // Round-robin, so no option always meets the warmer machine.
      for (let i = 0; i < RUNS; i++) for (const [option, measure] of options) results.get(option)!.push(await measure());
      for (const [option] of options) rows.push({ node: version, option, result: medians(results.get(option)!), runs: RUNS });
      log(`  Node ${version}: first invocation ${options.map(([o]) => `${o} ${medians(results.get(o)!).firstMs.toFixed(2)} ms`).join(', ')}`);
    }
    return rows;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The goal: the first invocation within this much of a warm one, with an init phase under INIT_GOAL_MS. */
export const FIRST_GOAL = 1.5;
export const INIT_GOAL_MS = 150;

const ms = (value: number, digits = 2) => value.toFixed(digits);

/**
 * The target row: the best shipped option (the warm-up) and the best tried, on each Node, back to
 * back as the goal was set; the warm-up with invocations 10 ms apart beside.
 */
export function firstInvocationTarget(rows: FirstInvocationRow[] | undefined): string {
  const goal = `| first invocation within ${FIRST_GOAL}x of a warm one on Node 22 and 24, init under ${INIT_GOAL_MS} ms |`;
  if (!rows?.length) return `${goal} not measured in this run |`;
  const ratio = (r: FirstInvocationRow) => r.result.firstMs / r.result.warmMs;
  const shipped = rows.filter((r) => r.option === 'warm-up');
  const met = shipped.every((r) => ratio(r) <= FIRST_GOAL && r.result.initMs < INIT_GOAL_MS);
  // Back to back, as the goal was set; the rows with invocations apart are another measure, not an option.
  const backToBack = rows.filter((r) => !r.option.endsWith(' apart'));
  const best = [...new Set(rows.map((r) => r.node))].map((node) => {
    const tried = backToBack.filter((r) => r.node === node && !r.result.rejected).sort((a, b) => ratio(a) - ratio(b))[0]!;
    return `${node} ${tried.option} ${ms(ratio(tried))}x`;
  });
  const shown = shipped.map((r) => `${r.node} ${ms(ratio(r))}x (${ms(r.result.firstMs)} ms against ${ms(r.result.warmMs)}, init ${ms(r.result.initMs, 0)} ms)`);
  const apart = rows.filter((r) => r.option === 'warm-up, 10 ms apart').map((r) => `${r.node} ${ms(ratio(r))}x`);
  return `${goal} ${met ? 'met' : '**missed**'} with WARM_UP_TOPIC: ${shown.join(', ')}; best tried: ${best.join(', ')}${apart.length ? `; the warm-up with invocations 10 ms apart: ${apart.join(', ')}` : ''} |`;
}

export function firstInvocationSection(rows: FirstInvocationRow[] | undefined): string {
  if (!rows?.length) return '';
  const table = rows.map(
    (r) =>
      `| ${r.node} | ${r.option} | ${ms(r.result.initMs, 0)} ms | ${ms(r.result.firstMs)} ms | ${ms(r.result.secondMs)} ms | ${ms(r.result.warmMs)} ms | **${ms(r.result.firstMs / r.result.warmMs)}x** | ${r.result.rejected === undefined ? '' : r.result.rejected ? 'refused' : 'taken'} |`,
  );
  return `### The first invocation on the Node versions Lambda runs

The publish function's artifact on Node 22 and 24 (the releases \`npm run test:runtimes\` pins), in
Lambda's init phase and then invoked: medians of ${rows[0]!.runs} processes per row, the options in turn.
Options: **warm-up** is \`WARM_UP_TOPIC\` (the init phase sends one marked message through the
function's own handler; one extra message per cold start); **code cache** compiles the function as
one CommonJS file through \`vm.Script\` with a V8 code cache made after one invocation of a
training run, so it holds what the first event compiles (Node's own compile cache,
\`NODE_COMPILE_CACHE\`, was tried first: it is written when a module is compiled, before its
functions are, and left the first invocation as slow); **10 ms apart** is the same measure with
every invocation, the first included, after 10 ms of idle instead of back to back (more below, in
rounds of their own). The rows without a code cache run with the flags Lambda's Node bootstrap
passes (\`${LAMBDA_FLAGS.join(' ')}\`), as Lambda runs the function. The init phase is billed, so it
stands beside.

| Node | option | init | first | second | warm | first / warm | code cache |
| --- | --- | --- | --- | --- | --- | --- | --- |
${table.join('\n')}

What ships is the warm-up, off by default. The code cache is not shipped: V8 takes a cache only from
the same V8 build run with the same flags, and a cache made off Lambda is refused under the flags
Lambda's Node bootstrap passes (\`${LAMBDA_FLAGS.join(' ')}\` for 1024 MB: the heap sizes follow the
function's memory), which costs more than no cache (the file is read and thrown away). Made with those
very flags it is taken, but Lambda moves \`nodejs22.x\` and \`nodejs24.x\` to new patch releases on its
own schedule, and a cache that silently stops matching is a cold start regression nobody sees; it would
take pinning the runtime version (runtime management, manual mode) and a cache per memory size.

What is left after the warm-up is not compilation but V8's tiering: with the warm-up the first event
compiles next to nothing (\`--log-function-events\`), yet it runs interpreted code that a warm
invocation runs optimized. Handler runs before the first event, measured (medians of 8 processes):
after 1 the first event took 1.2-2.2 ms, after 2 to 5 1.0-1.4 ms (1.5-1.9x), after 10 0.8-1.0 ms,
after 20 0.5 ms (0.85-1.0x), each with a real send. **Rehearsals** were tried to get there with one
message: the warm-up's real send, then 20 runs of the handler whose sends ran everything but the socket
(checks, ids, queue choice, encoding, a canned answer decoded into the SendResult), and a minor
collection at the end (Lambda exposes \`gc\`), since the rehearsals' garbage otherwise made a
scavenge land in the first event on Node 24. Against the warm-up alone, alternating, with Lambda's
flags: init 8-13 ms longer, first/warm 1.60-2.37x against 1.72-1.85x; the warm invocations got
faster too (optimized sooner) and the first did not. The socket path, run once, stays interpreted. Not
shipped: it cost init time and code and did not move the ratio.

**Rehearsals against a stand-in broker** were tried next, to run the socket path too without a
second message. After the warm-up send, the function's own handler ran N more times on the warm-up
message against a loopback server inside the process answering routes, heartbeats and sends as a
broker does: either on an engine and producer of their own, closed after, or on the function's own
producer, its route for the warm-up topic leading to the stand-in during the rehearsals and fetched
again after. With Lambda's flags (\`--expose-gc\` and the heap sizes), the options alternating,
medians of 7 processes per row:

| Node | option | init | first | warm | first / warm |
| --- | --- | --- | --- | --- | --- |
| v22.23.5 | warm-up alone | 84 ms | 2.27 ms | 0.97 ms | 2.33x |
| v22.23.5 | + 20 rehearsals, an engine of their own | 107 ms | 1.46 ms | 0.72 ms | 2.04x |
| v22.23.5 | + 10 rehearsals, the function's producer | 111 ms | 2.46 ms | 0.79 ms | 3.13x |
| v22.23.5 | + 20 rehearsals, the function's producer | 111 ms | 2.35 ms | 0.72 ms | 3.26x |
| v24.22.3 | warm-up alone | 86 ms | 1.86 ms | 0.92 ms | 2.03x |
| v24.22.3 | + 20 rehearsals, an engine of their own | 142 ms | 1.55 ms | 0.69 ms | 2.26x |
| v24.22.3 | + 10 rehearsals, the function's producer | 105 ms | 2.10 ms | 0.63 ms | 3.36x |
| v24.22.3 | + 20 rehearsals, the function's producer | 120 ms | 2.42 ms | 0.74 ms | 3.26x |

An earlier round (6 processes) had 10 rehearsals on an engine of their own at 5.00x on Node 22 and
2.06x on 24. The rehearsals made the warm invocations faster and not the first. In the first event
after them nothing was deoptimized (\`--trace-deopt\`) and nothing ran for the first time but the
logger's \`addContext\` and the metrics' publish, which the warm-up skips
(\`--log-function-events\`). Two smaller ideas, each alternating with the warm-up alone: a warm-up
that also runs those two, as a real invocation does (8 processes): 2.07x against 2.59x on Node 22,
1.78x against 1.84x on 24; a minor collection at the end of the init phase (\`gc({ type: 'minor' })\`,
two rounds of 9 processes): 1.78x and 2.01x against 2.31x and 2.19x on Node 22, 1.94x and 2.23x
against 1.94x and 2.10x on 24 (a full collection, first round: 2.17x on 22, 2.52x on 24). Lower on
Node 22 each time, but within the spread of single processes (1.3-3.1x) and above 1.5x. None shipped
then; the minor collection is since, on the measure per part below.

This does not square with the handler runs above: 20 real invocations brought the first event to a
warm one, 20 rehearsals of the same code did not, with next to nothing left to compile and nothing
deoptimized. So
what the first event pays for after the warm-up is not only code V8 has not optimized yet. Nor is it
a wait on the broker: it is the function's own CPU (\`process.cpuUsage\` around each invocation, 8
processes with the warm-up: 1.28 ms in the first event against 0.48 warm on Node 22, 1.66 against
0.78 on 24, as large a ratio as the wall time's). Where it goes, from CPU profiles of the first event
and of a warm one (the inspector's profiler at 20 µs, 30 processes per Node, self time per function
summed, the warm event's subtracted): on Node 22 first a scavenge, 0.8 ms on average (\`--trace-gc\`
shows it task-scheduled after the init phase's allocations, landing in the first or second event of
every process; the minor collection above moves it into the init phase without bringing the ratio
under 1.5x); then, on both, 0.1-0.3 ms each in code the first event runs for the first or second
time: the engine's before and after (whose cold-start metric, log context and metrics publish the
warm-up skips by design), the logger's \`addContext\`, the request's parsing (three regular
expressions compiled to native code on their second execution, \`--trace-regexp-tier-up\`) and
the JSON header of the broker's answer. No one part is large; together they are the first event's
extra CPU.

**What a warm invocation back to back has that the first has not: the send path in the CPU's
caches.** Warm invocations measured back to back each find the code and data of the send path where
the one before left them; a warm function's events in Lambda come apart (a freeze, other work on the
host, at least the runtime API's round trip). In a round of its own (Lambda's flags, the warm-up, 12
processes per row, before the two changes below) with every invocation after the same idle, the
first and a warm one:

| idle before each | Node 22 first | warm | first / warm | Node 24 first | warm | first / warm |
| --- | --- | --- | --- | --- | --- | --- |
| no idle (back to back) | 2.18 ms | 1.05 ms | 2.07x | 1.78 ms | 0.93 ms | 1.92x |
| 2 ms | 2.09 ms | 1.29 ms | 1.62x | 2.28 ms | 1.22 ms | 1.87x |
| 10 ms | 2.79 ms | 1.91 ms | 1.46x | 2.75 ms | 1.64 ms | 1.67x |
| 100 ms | 3.17 ms | 2.05 ms | 1.55x | 2.97 ms | 1.78 ms | 1.67x |

A warm invocation costs about twice as much after an idle, and the first keeps 0.6 to 1.3 ms more
than a warm one whatever the idle (in this round and in the rows above): that is what is left to win,
and the back-to-back ratio overstates it. Other rounds, each against its own baseline (processes
per row in brackets): 10 ms of unrelated arithmetic between the init phase and the first event made the first slower (2.39 against
2.28 ms on Node 22, 2.46 against 1.75 on 24 [12]), 50 turns of the event loop instead (setImmediate)
1.72x against 2.35x on 22 and 2.16x against 2.02x on 24 [12]; **more warm-up sends in the init
phase** did not help (3 or 5 sends through the handler: 1.75x and 2.06x against 2.05x on Node 22,
2.29x and 2.54x against 2.22x on 24 [8]; 5 again in another round: 2.24x and 2.09x against 1.94x and
2.12x [12]), where the same handler runs **after** the init phase, right before the first event, did
(after 1: 1.57x on 22, 1.51x on 24; after 5: 1.28x and 1.38x; after 20: 1.20x and 0.91x, against
2.50x and 2.22x with no runs before [8]; this round's figures sit outside the ranges of the earlier
one above, the spread of 8 processes). The profile above says where the first event's extra CPU goes
(code run for the first or second time, on Node 22 a scavenge); these rounds say why the init phase
cannot take it away: the first event pays for code not run recently as much as for code not run at
all, and no work in the init phase leaves the former behind for an event that comes later. Two smaller
ideas, not shipped as measured here: a warm-up that also sets the log context (on a child logger,
so the function's logger still sees the cold start), counts and serializes the metrics without
publishing them, and ends with a minor collection: 2.23x against 2.13x on Node 22, 2.00x against
2.03x on 24 [15], higher on Node 22 this time (another round of the same, switched on by a
variable in one build, had 1.82x against 2.58x on 22: rounds of 15 processes differ that much); V8
flags, which Lambda takes only through an exec wrapper (\`AWS_LAMBDA_EXEC_WRAPPER\`): \`--no-lazy-feedback-allocation\` 1.45x against 1.93x on Node 22 and 1.88x
against 1.96x on 24 back to back [7], 1.70x against 1.47x and 1.54x against 1.39x with 10 ms apart
[10]; \`--always-sparkplug\` 2.34x and 2.15x against 1.93x and 1.96x [7].

**Timed per part, and two changes shipped.** Whole invocations differ too much between processes to
show a 0.1 ms change; the parts of one do not. Marks at the engine's and the handler's steps (a
scratch build, Lambda's flags, the warm-up, medians of 12 processes) put the first event's extra on
Node 22 mostly in the send (1.81 ms against 0.66 warm; on Node 24 0.92 against 0.72), and on both
0.15 ms in the request's parsing (0.19-0.23 ms against 0.06), then 0.03-0.1 ms in each of the
engine's steps. Shipped from it: **a minor collection at the end of the warm-up**, where gc is
exposed (Lambda's bootstrap passes \`--expose-gc\`): the first send on Node 22 took 0.90 ms with it
against 1.81 (on 24 0.93 against 0.92; without a warm-up it changes nothing, the whole first event
5.30 ms with it against 5.28 on Node 22, 6.16 against 6.07 on 24, so it runs only after one); and
**routes, the system-topic check and ALLOWED_TOPICS patterns by string work** instead of regular
expressions, which V8 compiles to native code on their second run, the first event's after the
warm-up (three of them here, \`--trace-regexp-tier-up\`; with that compile made eager,
\`--regexp-tier-up-ticks=0\`, the parsing took 0.07 ms in the first event against 0.20-0.23).
The build before and after the two, alternating, 15 processes each, first / warm: Node 22 2.34x
before and 1.64x after back to back, 1.69x and 1.35x with 10 ms apart; Node 24 1.73x and 1.87x back
to back (the first 1.84 ms before, 1.61 after: the warm one moved too), 1.47x and 1.33x apart. What
is left, per part, first against warm, after the two (15 processes):

| part | Node 22 first | warm | Node 24 first | warm |
| --- | --- | --- | --- | --- |
| invoke store and context | 0.052 ms | 0.007 ms | 0.059 ms | 0.006 ms |
| log context (\`addContext\`) | 0.088 ms | 0.016 ms | 0.099 ms | 0.014 ms |
| the rest of before (metrics, the invocation's verbs) | 0.046 ms | 0.007 ms | 0.061 ms | 0.007 ms |
| request parsing | 0.081 ms | 0.056 ms | 0.109 ms | 0.053 ms |
| the send (a round trip to the broker) | 0.738 ms | 0.576 ms | 1.027 ms | 0.554 ms |
| the response | 0.051 ms | 0.007 ms | 0.035 ms | 0.007 ms |
| the counts after | 0.074 ms | 0.019 ms | 0.082 ms | 0.018 ms |
| the metrics publish | 0.095 ms | 0.007 ms | 0.110 ms | 0.007 ms |
| whole invocation | 1.346 ms | 0.758 ms | 1.683 ms | 0.715 ms |

The engine's steps cost five to ten times a warm run in the first event even after 20 warm-up runs
in the init phase (measured: the same within the spread), the recency above again. Inside the send
(marks of the same kind, 15 processes, Node 22 / 24): the broker's round trip 0.42 / 0.48 ms against
0.35 / 0.33, reading the answer (its frame and JSON header) 0.13 / 0.10 against 0.025, the socket
write 0.08 / 0.07 against 0.05, and each other step (checks, encoding, the queue) 0.01-0.02 ms more.
Every part is slower by some tens of microseconds, what a few hundred cache misses cost: code and
data not touched since the init phase, as after any idle. What would shrink it further is touching
less per invocation, which a warm invocation after an idle would gain from as much.

A V8 startup snapshot (\`--snapshot-blob\`, which Node takes from NODE_OPTIONS, so a managed runtime
could load one) was not built: it holds a heap, not optimized code or its feedback, so it would not
touch what is left; and Node refuses to start on a snapshot another version made (it checks the
exact version; tried: one made by 22.23.5, loaded by 24.22.3, exit code 14), so Lambda's next patch
release of the runtime would fail every cold start, where a code cache that no longer matches is only
refused (and costs its reading).
`;
}
