// The chaos suite's verdict and its tables: one row per scenario and driver, printed after each
// scenario and written to RELIABILITY.md at the end of a run.
import type { Classification } from './ledger.ts';
import type { ScenarioResult } from './harness.ts';

/** What makes a run fail, one line each. */
export function violations(results: ScenarioResult[]): string[] {
  const out: string[] = [];
  for (const r of results) {
    if (r.error) out.push(`${r.name}: the harness failed: ${r.error.split('\n')[0]}`);
    for (const row of r.rows) {
      if (row.lost > 0) out.push(`${r.name} / ${row.driver}: ${row.lost} confirmed message(s) not stored, e.g. ${row.lostKeys.slice(0, 3).join(', ')}`);
      for (const o of row.invocations?.overruns ?? []) out.push(`${r.name} / ${row.driver}: a handler ran ${o.durationMs} ms of a ${o.budgetMs} ms deadline`);
      if (row.unanswered > 0) out.push(`${r.name} / ${row.driver}: ${row.unanswered} message(s) never answered`);
    }
    if (r.bridge && r.bridge.endedStored < r.bridge.records) {
      out.push(`${r.name}: ${r.bridge.records - r.bridge.endedStored} bridge record(s) not stored after 5 receives`);
    }
    if (r.strangers.length > 0) out.push(`${r.name}: ${r.strangers.length} stored key(s) no driver sent`);
    for (const u of r.unhandled) out.push(`${r.name}: unhandled rejection: ${u.split('\n')[0]}`);
  }
  return out;
}

/** What the table cannot show: isolation left behind, where traffic went after healing, why calls failed. */
export function observations(r: ScenarioResult): string[] {
  const out: string[] = [];
  const stored = Object.values(r.afterHeal).reduce((a, b) => a + b, 0);
  if (stored > 0) {
    const shares = Object.entries(r.afterHeal)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([broker, n]) => `${broker} ${pct(n, stored)}`);
    out.push(`- After healing, ${stored} messages were stored: ${shares.join(', ')}${r.afterHeal['broker-a'] ? '' : ' (none on broker-a)'}.`);
  }
  out.push(
    r.isolations.length === 0
      ? '- The shared table isolated no broker when the traffic ended.'
      : `- When the traffic ended the shared table still isolated ${r.isolations.map((i) => `${i.brokerName} for another ${Math.round(i.remainingMs / 1000)} s`).join(', ')}.`,
  );
  for (const f of r.failureReasons) out.push(`- \`${f.driver}\` told "failed" ${f.count}×: ${f.reason.replaceAll('|', '\\|')}`);
  return out;
}

const pct = (n: number, d: number) => (d === 0 || n === 0 || n === d ? `${d === 0 ? 0 : (100 * n) / d}%` : `${((100 * n) / d).toFixed(2)}%`);

function handlerTime(row: Classification): string {
  const stats = row.invocations;
  if (!stats?.worst) return 'n/a (direct)';
  const over = stats.overruns.length > 0 ? ` **${stats.overruns.length} over**` : '';
  return `${stats.worst.durationMs} / ${stats.worst.budgetMs} ms${over}`;
}

function bridgeColumn(row: Classification): string {
  if (!row.driver.includes('bridge')) return '';
  const dead = row.sent - row.confirmed;
  return `${row.stored}/${row.sent}${dead > 0 ? ` (${dead} dead-lettered)` : ''}${row.redelivered > 0 ? `, ${row.redelivered} redelivered` : ''}`;
}

export const TABLE_HEADER = [
  'scenario',
  'driver',
  'sent',
  'confirmed',
  'reported failed',
  'stored',
  'lost',
  'failed but stored',
  'duplicates',
  'duplicate rate',
  'bridge: stored after redelivery',
  'max handler time / deadline',
];

export function tableRows(results: ScenarioResult[]): string[][] {
  return results.flatMap((r) =>
    r.rows.map((row) => [
      r.name,
      row.driver,
      String(row.sent),
      String(row.confirmed),
      String(row.reportedFailed),
      String(row.stored),
      row.lost > 0 ? `**${row.lost}**` : '0',
      String(row.failedButStored),
      String(row.duplicates),
      pct(row.duplicates, row.sent),
      bridgeColumn(row),
      handlerTime(row),
    ]),
  );
}

export function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** A fixed-width table for the terminal. */
export function textTable(header: string[], rows: string[][]): string {
  const plain = rows.map((r) => r.map((c) => c.replaceAll('**', '')));
  const widths = header.map((h, i) => Math.max(h.length, ...plain.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...plain.map(line)].join('\n');
}

export interface RunInfo {
  command: string;
  date: string;
  count: number;
  visibilityMs: number;
  rocketmqVersion: string;
  durationMs: number;
  skipped: string[];
}

export function reliabilityMarkdown(results: ScenarioResult[], info: RunInfo): string {
  const problems = violations(results);
  const totals = results
    .flatMap((r) => r.rows)
    .reduce(
      (t, row) => ({ sent: t.sent + row.sent, lost: t.lost + row.lost, dup: t.dup + row.duplicates, failedStored: t.failedStored + row.failedButStored }),
      { sent: 0, lost: 0, dup: 0, failedStored: 0 },
    );
  const scenarioText = results
    .map((r) =>
      [
        `### ${r.name}`,
        '',
        r.description,
        '',
        'What happened, in seconds from the start of the traffic:',
        '',
        ...r.steps.map((s) => `- ${s}`),
        '',
        ...observations(r),
      ].join('\n'),
    )
    .join('\n\n');
  return `# Reliability under faults

The chaos suite (issue #13) drives uniquely keyed messages through the real entry points while a
real fault happens on the local Apache RocketMQ ${info.rocketmqVersion} cluster (one name server,
\`broker-a\` and \`broker-b\`) and DynamoDB Local, then reads every queue of the topic back from
offsets recorded before the scenario (GET_MAX_OFFSET, then PULL_MESSAGE up to the max offset after
it) and classifies every message against what its caller was told.

Reproduce:

\`\`\`sh
${info.command}
\`\`\`

Run it on a fresh stack (\`npm run stack:down\` first, or a clean checkout): the read-back trusts the
brokers' consume-queue offsets, and a 5.3.3 broker of this small local configuration that has been
SIGKILLed many times (as the fault tests do) was seen to come back with a consume queue that reuses
offsets, so messages stored in its commit log (found by key) no longer appear at the offsets the
reader walks. The run then reports them lost although the keys are found; on a fresh stack the same
run loses nothing.

(\`npm run chaos -- --quick\` sends 100 messages per driver; \`--count N\`, \`--only a,b\` and
\`--skip a,b\` pick the scale and the scenarios; a short subset runs in \`npm test\` as
\`test/faults/chaos.test.ts\`.)

Last run: ${info.date}, ${info.count} messages per driver and scenario, SQS visibility timeout
${info.visibilityMs / 1000} s, ${(info.durationMs / 60_000).toFixed(1)} minutes${info.skipped.length ? `; skipped: ${info.skipped.join(', ')}` : ''}.
${totals.sent} messages in all: ${totals.lost} lost, ${totals.failedStored} reported failed but
stored, ${totals.dup} stored twice.

## Verdict

${problems.length === 0 ? 'Nothing lost, no handler past its deadline, no unhandled rejection, every bridge record stored.' : `The run **failed**:\n\n${problems.map((p) => `- ${p}`).join('\n')}`}

## Results

${markdownTable(TABLE_HEADER, tableRows(results))}

How to read it:

- **sent**: messages (keys) the driver sent; **confirmed**: the caller was told "stored" (a
  \`SendResult\`, HTTP 200, or for the bridge: the record absent from \`batchItemFailures\` on some
  receive); **stored**: keys found at least once by reading every queue back.
- **reported failed**: keys the caller was told "failed" at least once (for the bridge: on some
  receive; the record was then redelivered).
- **lost**: confirmed and not stored. Must be 0.
- **failed but stored**: the caller was told "failed" (an error, a non-200, a record in
  \`batchItemFailures\`, an invocation that threw or ran out of time) and more copies were stored than
  confirmations given: a retry by the caller will store it again.
- **duplicates**: keys stored more than once (a bridge record reported failed and redelivered, a
  send retried after a timeout whose first attempt was stored).
- **bridge: stored after redelivery**: records SQS handed to the bridge, redelivered as SQS does
  (same messageId, receive count + 1 after the visibility timeout, a new invocation, up to 5
  receives, then the dead-letter queue), and how many ended stored at least once.
- **max handler time / deadline**: the invocation that used the largest share of the time it was
  given (\`getRemainingTimeInMillis()\` when the handler was called); "over" counts invocations
  that ran past it (Lambda would have killed them: their records count as failed).

Drivers: \`bridge-10\` and \`bridge-100\` are the SQS bridge handler with batches of 10 and 100;
\`http\` the publish handler with API Gateway HTTP API events (sync and async modes alternating);
\`send\`, \`send-async\`, \`send-batch\` the producer's \`send\`, \`sendAsync\` and \`sendBatch\` (10 per
batch) called directly; \`child-*\` the same handlers in a container process of their own;
\`cold-*\` containers started cold during the fault. Handlers get the functions' timeouts (publish
10 s, bridge 30 s) unless the scenario says otherwise. Every container shares broker isolation and
routes through a real DynamoDB table, as deployed.

## Scenarios

${scenarioText}
`;
}
