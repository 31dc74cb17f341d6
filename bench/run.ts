// npm run bench: every measurement of BENCHMARKS.md in one bounded run, on the real local stack
// (started by the project's own scripts, or reused when running). Ratios are taken within this
// run; absolute numbers stand only next to them. Writes BENCHMARKS.md, bench/plots/*.svg and the
// raw numbers to bench/results/latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { describe, down, up } from '../infra/local/stack.ts';
import { runCodec } from './codec.ts';
import { runColdStart } from './cold-start.ts';
import { runCost } from './cost.ts';
import { barChart } from './svg.ts';
import { runThroughput } from './throughput.ts';
import { report } from './report.ts';
import { ROOT } from './util.ts';

const log = (line: string) => process.stderr.write(`${line}\n`);
const begun = Date.now();
const { state, reused } = await up();
const info = describe(state);
try {
  log('codec...');
  const codec = runCodec();
  log('throughput and latency against the Java reference producer and ali-ons...');
  const throughput = await runThroughput(info.nameServer, state.lib, log);
  log('cold start...');
  const coldStart = await runColdStart(info.nameServer, info.dynamodb?.endpoint);
  log('cost...');
  const cost = await runCost(info.nameServer, info.dynamodb?.endpoint);
  const results = { date: new Date().toISOString(), cpus: cpus().length, node: process.version, minutes: 0, codec, throughput, coldStart, cost };
  results.minutes = (Date.now() - begun) / 60_000;

  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  mkdirSync(join(ROOT, 'bench', 'plots'), { recursive: true });
  for (const size of [128, 1024, 16384]) {
    for (const mode of ['sync', 'async'] as const) {
      const rows = throughput.filter((r) => r.size === size && r.mode === mode);
      const svg = barChart(
        `Send latency, ${size} B, ${mode} (log scale)`,
        rows.map((r) => `${r.inflight} in flight`),
        [
          { name: 'ours p50', color: '#2b7bb9', values: rows.map((r) => r.ours.p50) },
          { name: 'Java p50', color: '#e08a2c', values: rows.map((r) => r.java.p50) },
          { name: 'ours p99', color: '#8cc0e8', values: rows.map((r) => r.ours.p99) },
          { name: 'Java p99', color: '#f3c38c', values: rows.map((r) => r.java.p99) },
        ],
        'ms',
      );
      writeFileSync(join(ROOT, 'bench', 'plots', `latency-${size}-${mode}.svg`), `${svg}\n`);
    }
  }
  writeFileSync(join(ROOT, 'BENCHMARKS.md'), report(results));
  log(`done in ${results.minutes.toFixed(1)} min: BENCHMARKS.md, bench/plots/, bench/results/latest.json`);
} finally {
  if (!reused) await down();
}
process.exit(0);
