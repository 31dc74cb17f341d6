// npm run chaos [-- --quick | --count N] [--only a,b] [--skip a,b] [--no-write]
// Runs the chaos scenarios against the local stack (started here unless one is running), prints
// the table after each scenario, writes RELIABILITY.md, and exits non-zero when a confirmed message
// is lost, a handler runs past its deadline or a promise rejection goes unhandled.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, ROCKETMQ_VERSION } from '../../infra/local/config.ts';
import { StackError } from '../../infra/local/errors.ts';
import { describe, down, up } from '../../infra/local/stack.ts';
import { Harness, heal, type ScenarioResult } from './harness.ts';
import { observations, reliabilityMarkdown, TABLE_HEADER, tableRows, textTable, violations } from './report.ts';
import { SCENARIOS } from './scenarios.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    count: { type: 'string' },
    only: { type: 'string' },
    skip: { type: 'string' },
    'visibility-ms': { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
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
  log: say,
});

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
say(problems.length === 0 ? 'PASS: nothing lost, no deadline overrun, no unhandled rejection.' : `FAIL:\n${problems.map((p) => `  - ${p}`).join('\n')}`);

if (!values['no-write']) {
  const args = process.argv.slice(2).filter((a) => a !== '--no-write');
  const markdown = reliabilityMarkdown(results, {
    command: `npm run chaos${args.length ? ` -- ${args.join(' ')}` : ''}`,
    date: `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    count,
    visibilityMs,
    rocketmqVersion: ROCKETMQ_VERSION,
    durationMs: Date.now() - begun,
    skipped,
  });
  writeFileSync(join(REPO_ROOT, 'RELIABILITY.md'), markdown);
  say('RELIABILITY.md written');
}
if (!reused) await down();
process.exit(problems.length === 0 ? 0 : 1);
