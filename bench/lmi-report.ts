// The Lambda Managed Instances part of BENCHMARKS.md: one environment serving 1, 16 and 64
// invocations at once against one at a time and against the bare producer, where the handler's
// CPU goes, and the cost per million messages computed from those figures (bench/cost-model.ts).
import { type CostModel, costModel, PRICES } from './cost-model.ts';
import type { LmiLoadResult } from './lmi-load.ts';
import { cpuUs, type LmiClientResult, type LmiResult } from './lmi.ts';
import { fmt, median, showSpread, spread } from './util.ts';

/** The goal of the issue: at 64 concurrent invocations, CPU per message within this much of the bare producer's at 64 in flight. */
export const CPU_GOAL = 1.5;
/** No p99 cliff: the tail (p99 over p50) at 64 concurrent invocations within this much of the bare producer's. */
export const TAIL_GOAL = 1.5;
/** The share of the instances' vCPUs the cost model assumes busy. */
export const UTILIZATION = 0.6;

const rate = (r: LmiLoadResult) => (r.sent / r.elapsedMs) * 1000;
const tail = (r: LmiLoadResult) => r.p99 / Math.max(1e-9, r.p50);

export function summarizeLmi(result: LmiResult) {
  const find = (name: string): LmiClientResult => {
    const found = result.clients.find((c) => c.client.name === name);
    if (!found) throw new Error(`no ${name} client in the LMI results`);
    return found;
  };
  const bare = find('bare-64');
  /** Per round, the client's figure over the bare producer's in the same round. */
  const overBare = (c: LmiClientResult, pick: (r: LmiLoadResult) => number) => spread(c.rounds.map((r, i) => pick(r) / pick(bare.rounds[i]!)));
  const rows = result.clients.map((c) => {
    const of = (pick: (r: LmiLoadResult) => number) => median(c.rounds.map(pick));
    return {
      c,
      rate: of(rate),
      cpuUs: of(cpuUs),
      perCpuSecond: of((r) => 1e6 / cpuUs(r)),
      p50: of((r) => r.p50),
      p99: of((r) => r.p99),
      tail: of(tail),
      loadAvg: of((r) => r.loadAvg),
      billedMs: of((r) => r.billedMs),
      billedMsAtMemory: of((r) => r.billedMsAtMemory),
      cpuOverBare: overBare(c, cpuUs),
      tailOverBare: overBare(c, tail),
      sent: c.rounds.reduce((n, r) => n + r.sent, 0),
      failed: c.rounds.reduce((n, r) => n + r.failed, 0),
    };
  });
  const row = (name: string) => rows.find((r) => r.c.client.name === name)!;
  return { rows, row };
}

function label(c: LmiClientResult['client']): string {
  if (c.kind === 'bare') return `bare producer, ${c.concurrency} sends in flight`;
  if (!c.managed && c.concurrency === 1) return 'classic: one invocation at a time';
  const mode = c.sendMode === 'async' ? ', `mode: async`' : '';
  if (!c.managed) return `${c.concurrency} at once, every flush waiting for all (no \`AWS_LAMBDA_MAX_CONCURRENCY\`)${mode}`;
  return `LMI: ${c.concurrency} at once${mode}`;
}

/** Targets-table rows, in the table's format. */
export function lmiTargets(result: LmiResult): string[] {
  const { row } = summarizeLmi(result);
  const at64 = row('lmi-64');
  const async64 = row('lmi-64-async');
  const cpuMet = at64.cpuOverBare.median <= CPU_GOAL;
  const tailMet = at64.tailOverBare.median <= TAIL_GOAL && async64.tailOverBare.median <= TAIL_GOAL;
  const met = (ok: boolean) => (ok ? 'met' : '**missed**');
  return [
    `| LMI, 64 concurrent invocations of the publish handler: CPU per message within ${CPU_GOAL}x of the bare producer at 64 in flight | ${met(cpuMet)}: ${fmt(at64.cpuOverBare.median, 1)}x (${fmt(at64.cpuUs, 0)} µs against ${fmt(row('bare-64').cpuUs, 0)} µs) |`,
    `| LMI, 64 concurrent invocations: no p99 cliff from shared flushing (p99 over p50 within ${TAIL_GOAL}x of the bare producer's) | ${met(tailMet)}: ${fmt(at64.tailOverBare.median, 2)}x sync, ${fmt(async64.tailOverBare.median, 2)}x with async sends; p99 ${fmt(at64.p99, 1)} / ${fmt(async64.p99, 1)} ms against ${fmt(row('bare-64').p99, 1)} ms bare |`,
  ];
}

function costRow(name: string, inputs: string, m: CostModel['classic']): string {
  const usd = (x: number) => `$${x < 0.01 ? x.toFixed(5) : x.toFixed(4)}`;
  return `| ${name} | ${inputs} | ${usd(m.compute)} | ${m.fee ? usd(m.fee) : '-'} | ${usd(m.requests)} | **${usd(m.total)}** |`;
}

const perSecond = (x: number) => (Number.isFinite(x) ? `${Math.round(x).toLocaleString('en-US')} msg/s` : 'never');

export function lmiSection(result: LmiResult, rounds: number, cpus: number, node: string): string {
  const { rows, row } = summarizeLmi(result);
  const classic = row('classic');
  const at64 = row('lmi-64');
  const bare = row('bare-64');
  const async64 = row('lmi-64-async');
  const unscoped = row('unscoped-64-async');
  const table = rows.map(
    (r) =>
      `| ${label(r.c.client)} | ${fmt(r.rate, 0)} | ${fmt(r.cpuUs, 0)} | ${fmt(r.perCpuSecond, 0)} | ${r.c.client.kind === 'bare' ? '1' : showSpread(r.cpuOverBare, 1)} | ${fmt(r.p50, 2)} / ${fmt(r.p99, 1)} | ${fmt(r.tail, 1)} | ${fmt(r.loadAvg, 1)} |`,
  );
  const sent = rows.reduce((n, r) => n + r.sent, 0);
  const failed = rows.reduce((n, r) => n + r.failed, 0);

  // Where the CPU goes: the last round's profiles, each part's share of the busy samples times the
  // CPU per message measured (unprofiled) in the same process.
  const profiled = (name: string) => {
    const last = result.clients.find((c) => c.client.name === name)?.rounds.at(-1);
    if (!last?.profile) return undefined;
    const idle = last.profile.find((p) => p.part === 'waiting (idle)')?.percent ?? 0;
    return {
      idle,
      us: new Map(last.profile.filter((p) => p.part !== 'waiting (idle)').map((p) => [p.part, (p.percent / (100 - idle)) * cpuUs(last)])),
      total: cpuUs(last),
    };
  };
  const handlerProfile = profiled('lmi-64');
  const bareProfile = profiled('bare-64');
  const parts = handlerProfile ? [...handlerProfile.us].sort((a, b) => b[1] - a[1]).map(([part]) => part) : [];
  const profileRows = parts.map((part) => `| ${part} | ${fmt(handlerProfile!.us.get(part) ?? 0, 1)} | ${fmt(bareProfile?.us.get(part) ?? 0, 1)} |`);
  const added = parts
    .map((part) => [part, (handlerProfile!.us.get(part) ?? 0) - (bareProfile?.us.get(part) ?? 0)] as const)
    .filter(([, us]) => us >= 1)
    .sort((a, b) => b[1] - a[1]);
  const addedText = added.map(([part, us]) => `${part} ${fmt(us, 0)} µs`).join(', ');
  const store = added.find(([part]) => part.startsWith('invoke store'));
  const gap = added.reduce((n, [, us]) => n + us, 0);
  const sendParts = added.filter(([part]) => /^(sockets|remoting|producer)/.test(part));
  const sendAdded = sendParts.reduce((n, [, us]) => n + us, 0);
  const spreadOut = added.length > 0 && added[0]![1] < 0.4 * gap;

  // The cost model, from this run's figures.
  const classicMs = classic.billedMsAtMemory;
  const model = (cpu: number, billedMs = classicMs) =>
    costModel(PRICES, { classicBilledMs: billedMs, classicMemoryMb: classic.c.client.memoryMb, lmiCpuUsPerMessage: cpu, utilization: UTILIZATION });
  const lmiRows = ['lmi-64', 'lmi-16', 'lmi-1'].map((name) => ({ r: row(name), m: model(row(name).cpuUs) }));
  const goalCpu = CPU_GOAL * bare.cpuUs;
  const goal = model(goalCpu);
  const instance = `${PRICES.instanceType}, ${PRICES.instanceVcpus} vCPU at ${fmt(UTILIZATION * 100, 0)}%`;
  const costRows = [
    costRow(
      'classic Lambda, 512 MB arm64',
      `${fmt(classicMs, 2)} billed ms per invocation (${fmt(classic.billedMs, 2)} ms here, CPU part stretched to 512 MB's share)`,
      lmiRows[0]!.m.classic,
    ),
    ...lmiRows.map(({ r, m }) =>
      costRow(`LMI, ${r.c.client.concurrency} at once per environment`, `${fmt(r.cpuUs, 0)} µs CPU per message, ${instance}`, m.lmi),
    ),
    costRow(`LMI if the goal were met (${CPU_GOAL}x the bare producer)`, `${fmt(goalCpu, 0)} µs CPU per message, ${instance}`, goal.lmi),
  ];
  const m64 = lmiRows[0]!.m;
  const breakEvenRows = [classicMs, 2, 5, 10].map((ms, i) => {
    const m = model(at64.cpuUs, ms);
    return `| ${i === 0 ? `${fmt(ms, 2)} (this run)` : `${ms}`} | $${fmt(m.classic.total, 4)} | $${fmt(m.lmi.total, 4)} | ${perSecond(m.breakEvenPerSecond)} |`;
  });
  const sources = PRICES.sources.map(
    (s) => `| ${s.what} | ${s.value} | ${s.title}, ${s.url}, read ${s.read} | ${s.confirmedOnAwsPage ? 'yes' : `**no**${s.note ? `: ${s.note}` : ''}`} |`,
  );
  const cpuMet = at64.cpuOverBare.median <= CPU_GOAL;

  return `## Lambda Managed Instances: one environment, many invocations

The publish handler (\`functions/publish\`, POST /topics/TopicTest/messages, a 1 KiB body, an API
Gateway HTTP API 2.0 event) in one execution environment with one worker thread, serving 1, 16 and
64 invocations at once as on Lambda Managed Instances (\`AWS_LAMBDA_MAX_CONCURRENCY\` set, each
invocation inside the runtime's invoke store, each after-work flushing only its own work), against
one invocation at a time as classic Lambda runs it, and against the producer the adapter builds
(the same variables and message) with 64 sends in flight and no handler. Each client sends for a
fixed time after a warm-up, ${rounds} rounds, each round starting with another client; medians, and
for the ratio to the bare producer its spread (lowest-highest round, both measured in the same
round). Messages: ${sent.toLocaleString('en-US')}, failed: ${failed}.

How the CPU is measured, and why so: each client is a Node process of its own running the handler
in its only JavaScript thread, doing for each invocation what a worker thread of the LMI runtime
does (an invoke-store context with the request id, the handler called with the event parsed from
JSON text, the answer turned back into JSON text), and \`process.cpuUsage()\` over the measured window
is that thread's CPU plus Node's own helper threads (GC, libuv), the same for the bare producer. The
emulator (\`infra/local/managed-instances/\`) runs the handler in a worker thread, but Node 20 has no
CPU clock per thread, so its figure would include the main thread's structured cloning of every
event and answer and its reading of the workers' stdout: work of the emulator, not of the function's
thread. Not in these figures: the runtime's own HTTP calls to the Runtime API for each invocation
(the same per invocation whatever the concurrency). The code runs bundled and minified as the
deployed artifact is (\`infra/build.ts\`; running the TypeScript through tsx adds a naming call to
every function created at run time, which costs the handler more than the producer), with its
source map loaded as \`NODE_OPTIONS=--enable-source-maps\` does in \`serverless.yml\`, and one EMF
metrics line per invocation written to stdout as deployed. This machine is x86_64 with ${cpus} cores
shared with the brokers, the name server and, during this run, other work: the last column is the
1-minute load average at the end of each window, and CPU time per message grows when cores are
oversubscribed. Read the ratios; LMI's instances are Graviton (arm64).

| client | msg/s | CPU µs per message | messages per CPU-second | CPU over the bare producer, median (spread) | p50 / p99 ms per invocation | p99 / p50 | load |
| --- | --- | --- | --- | --- | --- | --- | --- |
${table.join('\n')}

At 64 invocations at once one environment spends ${fmt(at64.cpuUs, 0)} µs of CPU per message, ${fmt(classic.cpuUs / at64.cpuUs, 1)}x less than one
at a time (${fmt(classic.cpuUs, 0)} µs): ${fmt(at64.perCpuSecond, 0)} messages per CPU-second against ${fmt(classic.perCpuSecond, 0)}. The bare producer
spends ${fmt(bare.cpuUs, 0)} µs at 64 in flight, so the goal of ${CPU_GOAL}x is ${cpuMet ? 'met' : '**missed**'}: the handler costs **${fmt(at64.cpuOverBare.median, 1)}x** (${fmt(at64.cpuOverBare.min, 1)}-${fmt(at64.cpuOverBare.max, 1)}
over the rounds). Where the difference goes (the last round's CPU profile of each, after its measured
window; a part's share of the busy samples times the CPU per message measured in that round; the
profiler's own cost is left out; a frame of Node's own counts for the code that called it):

| part | handler, 64 at once: µs per message | bare producer, 64 in flight |
| --- | --- | --- |
${profileRows.join('\n')}
| **total, that round** | **${fmt(handlerProfile?.total ?? 0, 0)}** | **${fmt(bareProfile?.total ?? 0, 0)}** |

${
  handlerProfile && bareProfile
    ? `What the handler adds per message, largest first: ${addedText}.${
        spreadOut
          ? ` No one part is the gap; it is the
per-invocation work around one send (the adapter's before and after, the request's checks, one
metrics line, the event and the answer as JSON), paid once per message because each invocation
publishes one${
              sendParts.length
                ? `; and the send itself costs more inside the handler than bare (${sendParts.map(([part]) => part.split(' (')[0]).join(', ')}: ${fmt(sendAdded, 0)} µs more
together)`
                : ''
            }.`
          : ''
      }${
        store
          ? ` The invoke store's share is what \`AWS_LAMBDA_MAX_CONCURRENCY\` turns on: the store keeps
each invocation's context in an AsyncLocalStorage, which on Node ${node.replace(/^v/, '').split('.')[0]} (and on 22, which Lambda runs) rests on
async hooks, a hook on every promise the thread makes, the producer's included.`
          : ''
      }`
    : ''
}

Shared flushing: with synchronous sends (the default) an invocation's after-work has nothing of its
own to wait for; with \`mode: async\` each invocation's send is pending work its after-work settles.
A cliff would be a tail that leaves the median behind, so the criterion is p99 over p50 against the
bare producer's at 64 in flight (whose own tail is wide: its p99 is ${fmt(bare.tail, 1)} times its p50). At 64 at once the handler's tail is ${fmt(at64.tailOverBare.median, 2)}x the bare producer's with
synchronous sends and ${fmt(async64.tailOverBare.median, 2)}x with async sends; in milliseconds its p99 is ${fmt(at64.p99 / bare.p99, 1)}x and ${fmt(async64.p99 / bare.p99, 1)}x the bare
producer's (${fmt(at64.p99, 1)} and ${fmt(async64.p99, 1)} against ${fmt(bare.p99, 1)} ms). The control row runs the same async load with every flush waiting
for all pending work (the adapter without \`AWS_LAMBDA_MAX_CONCURRENCY\`, as it was before scopes): p99 ${fmt(unscoped.p99, 1)} ms, tail ${fmt(unscoped.tail, 1)}, ${fmt(unscoped.cpuUs, 0)} µs per message. ${
    unscoped.p99 <= async64.p99
      ? `Lower under this
uniform load, where every invocation is alike: most likely the invocations end together, so their
next sends leave together in fewer writes, which also saves CPU. The isolation matters when
invocations differ (one whose sends are held, or whose broker does not answer, would hold the
others' answers), which \`test/lambda/managed-instances.test.ts\` checks rather than times.`
      : `Worse, as waiting for
the others' sends would make it: the isolation shows in the tail even under this uniform load.`
  }

### What a million published messages cost: classic Lambda against LMI

From the figures above and AWS's prices (${PRICES.region}), by \`costModel\` in \`bench/cost-model.ts\` (a pure
function; its inputs are listed here). One message per invocation. Classic: the mean billed duration
of an invocation at 512 MB, arm64 (the measured duration with its CPU part stretched by 1,769/512,
the CPU share of 512 MB, rounded up to whole ms per invocation as Lambda bills) x 0.5 GB x the price
per GB-second, plus the request charge. LMI: the instance-hours the measured CPU per message needs
when the instance's vCPUs are ${fmt(UTILIZATION * 100, 0)}% busy (scaling keeps headroom; both vCPUs run one worker thread
each), x (the on-demand price + the management fee), plus the request charge; Savings Plans and
Reserved Instances, which apply to LMI's instances, are left out. Neither includes API Gateway's own
request charge (the same for both), nor network hops: a classic function in a VPC adds its round
trips to the brokers to every billed duration, while on LMI waiting costs no instance time.

| | inputs | duration or instance $ per million | management fee | requests | total |
| --- | --- | --- | --- | --- | --- |
${costRows.join('\n')}

LMI's floor: ${PRICES.minInstances} instances per published version run all month however few messages come,
$${fmt(m64.lmiFloorPerMonth, 0)} a month with the fee (${PRICES.minInstances} x $${PRICES.instanceHourly} x ${1 + PRICES.lmiManagementFee} x 730 h); they carry ${perSecond(m64.lmiFloorCapacityPerSecond)} at
64 at once. Classic costs nothing while nothing comes. Below, the steady volume above which LMI costs
less, for the measured classic duration and for longer ones (a VPC round trip to the brokers, a
slower broker), with LMI at the CPU measured at 64 at once:

| classic billed ms per invocation | classic $ per million | LMI $ per million (above the floor) | LMI cheaper above |
| --- | --- | --- | --- |
${breakEvenRows.join('\n')}

${
  m64.classic.compute < m64.classic.requests && m64.lmi.compute + m64.lmi.fee < m64.lmi.requests
    ? `The request charge, the same $${PRICES.lambdaRequestPerMillion.toFixed(2)} per million on both, is most of either total: a publish is too
short for billed duration or instance time to weigh much, so LMI's saving per message is small and
its floor decides. `
    : ''
}Prices used (${PRICES.region}):

| price | figure | source (title, address, date read) | confirmed on an AWS page |
| --- | --- | --- | --- |
${sources.join('\n')}
`;
}
