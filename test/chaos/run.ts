// npm run chaos [-- --quick | --count N] [--only a,b] [--skip a,b] [--publish-once off|on|both] [--no-write]
// Runs the chaos scenarios against the local stack (started here unless one is running), prints
// the table after each scenario, writes RELIABILITY.md, and exits non-zero when a confirmed message
// is lost, a duplicate carries another UNIQ_KEY, a handler runs past its deadline or a promise
// rejection goes unhandled. `--publish-once both` (the default) runs every scenario with
// PUBLISH_ONCE off, then on, each mode in a process of its own: a container reads its
// configuration once, and a mode gets a fresh stack of its own when none was running.
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, ROCKETMQ_VERSION } from '../../infra/local/config.ts';
import { StackError } from '../../infra/local/errors.ts';
import { describe, down, up } from '../../infra/local/stack.ts';
import { Harness, heal, type ScenarioResult } from './harness.ts';
import { type ModeRun, observations, reliabilityMarkdown, TABLE_HEADER, tableRows, textTable, violations } from './report.ts';
import { SCENARIOS } from './scenarios.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    count: { type: 'string' },
    only: { type: 'string' },
    skip: { type: 'string' },
    'visibility-ms': { type: 'string' },
    'publish-once': { type: 'string', default: 'both' },
    // Where a one-mode run started by `--publish-once both` leaves its results.
    'results-file': { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
const mode = values['publish-once'];
if (mode !== 'off' && mode !== 'on' && mode !== 'both') throw new Error(`--publish-once takes off, on or both, not ${mode}`);
const count = Number(values.count ?? (values.quick ? 100 : 1000));
const visibilityMs = Number(values['visibility-ms'] ?? 5000);
const list = (v: string | undefined) =>
  v
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
const only = list(values.only);
const skip = list(values.skip);
for (const name of [...only, ...skip]) {
  if (!SCENARIOS.some((s) => s.name === name)) throw new Error(`no scenario ${name}; there are ${SCENARIOS.map((s) => s.name).join(', ')}`);
}
const say = (line: string) => process.stdout.write(`${line}\n`);
const date = () => `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
/** The command line as typed after `npm run chaos --`, without the flags only this runner passes. */
const commandOf = (args: string[]) => `npm run chaos${args.length ? ` -- ${args.join(' ')}` : ''}`;
const userArgs = process.argv.slice(2).filter((a, i, all) => a !== '--no-write' && a !== '--results-file' && all[i - 1] !== '--results-file');

if (mode === 'both') {
  // Each mode in a process of its own, one after the other; RELIABILITY.md gets both.
  const dir = mkdtempSync(join(tmpdir(), 'chaos-'));
  const runs: ModeRun[] = [];
  let failed = false;
  const base = userArgs.filter((a, i, all) => a !== '--publish-once' && all[i - 1] !== '--publish-once');
  process.on('SIGINT', () => undefined); // the children thaw the stack and exit; this waits for them
  for (const publishOnce of [false, true]) {
    const file = join(dir, `${publishOnce ? 'on' : 'off'}.json`);
    say(`\n==== publish once ${publishOnce ? 'on' : 'off'}`);
    const child = fork(import.meta.filename, [...base, '--publish-once', publishOnce ? 'on' : 'off', '--no-write', '--results-file', file], {
      execArgv: ['--import', 'tsx'],
      stdio: 'inherit',
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    if (code !== 0) failed = true;
    try {
      runs.push(JSON.parse(readFileSync(file, 'utf8')) as ModeRun);
    } catch {
      say(`publish once ${publishOnce ? 'on' : 'off'}: no results (the run exited with ${code})`);
    }
    if (code === 130) break;
  }
  rmSync(dir, { recursive: true, force: true });
  if (!values['no-write'] && runs.length > 0) {
    writeFileSync(
      join(REPO_ROOT, 'RELIABILITY.md'),
      reliabilityMarkdown({ command: commandOf(userArgs), count, visibilityMs, rocketmqVersion: ROCKETMQ_VERSION, runs }),
    );
    say('RELIABILITY.md written');
  }
  process.exit(failed ? 1 : 0);
}
const publishOnce = mode === 'on';

const begun = Date.now();
const { state, reused } = await up().catch((err: unknown) => {
  if (err instanceof StackError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  throw err;
});
const stack = describe(state);
say(reused ? `local stack: reusing the running one in ${stack.dir}` : `local stack up in ${((state.startup.total ?? 0) / 1000).toFixed(1)} s`);

const selected = SCENARIOS.filter((s) => (only.length === 0 || only.includes(s.name)) && !skip.includes(s.name));
const skipped = SCENARIOS.filter((s) => !selected.includes(s)).map((s) => s.name);
const runnable = selected.filter((s) => !s.needsDynamoDb || stack.dynamodb);
for (const s of selected.filter((s) => !runnable.includes(s))) {
  say(`${s.name}: skipped, this stack runs no DynamoDB Local to freeze`);
  skipped.push(s.name);
}

const harness = new Harness({
  stack,
  dynamodbEndpoint: stack.dynamodb?.endpoint ?? '',
  count,
  runId: `c${Date.now().toString(36)}`,
  visibilityMs,
  publishOnce,
  log: say,
});
say(`publish once ${publishOnce ? 'on' : 'off'}`);

// Ctrl-C must never leave a broker or a service frozen for whoever uses the stack next.
process.once('SIGINT', () => {
  say('interrupted: thawing the stack');
  heal(harness.controls).finally(() => process.exit(130));
});

await harness.open();
const results: ScenarioResult[] = [];
for (const scenario of runnable) {
  say(`\n== ${scenario.name}: ${scenario.description}`);
  const result = await harness.run(scenario);
  results.push(result);
  say(`\n${textTable(TABLE_HEADER, tableRows([result]))}`);
  for (const line of observations(result)) say(`  ${line}`);
  for (const v of violations([result])) say(`  ! ${v}`);
}
await harness.close();

const problems = violations(results);
say(`\n== all scenarios\n\n${textTable(TABLE_HEADER, tableRows(results))}\n`);
say(
  problems.length === 0
    ? 'PASS: nothing lost, no duplicate with another UNIQ_KEY, no deadline overrun, no unhandled rejection.'
    : `FAIL:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
);

const run: ModeRun = { publishOnce, results, date: date(), durationMs: Date.now() - begun, skipped };
if (values['results-file']) writeFileSync(values['results-file'], JSON.stringify(run));
if (!values['no-write']) {
  writeFileSync(
    join(REPO_ROOT, 'RELIABILITY.md'),
    reliabilityMarkdown({ command: commandOf(userArgs), count, visibilityMs, rocketmqVersion: ROCKETMQ_VERSION, runs: [run] }),
  );
  say('RELIABILITY.md written');
}
if (!reused) await down();
process.exit(problems.length === 0 ? 0 : 1);
