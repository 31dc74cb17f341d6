// Throughput, latency, CPU and RSS of our producer against the Java reference producer (and
// ali-ons for one shape), same topic, queues and brokers, runs alternating client by client.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, TSX, runJson, type LoadResult } from './util.ts';

export interface Shape {
  size: number;
  inflight: number;
  mode: 'sync' | 'async';
}
export interface ShapeResult extends Shape {
  count: number;
  ours: LoadResult;
  java: LoadResult;
  onsResult?: LoadResult;
}

export const SHAPES: Shape[] = [128, 1024, 16384].flatMap((size) =>
  [1, 16, 64].flatMap((inflight) => (['sync', 'async'] as const).map((mode) => ({ size, inflight, mode }))),
);

function countFor(shape: Shape): number {
  const base = shape.inflight === 1 ? 2000 : 10000;
  return shape.size >= 16384 ? base / 2 : base;
}

export function compileJava(lib: string): string {
  const classes = join(ROOT, '.cache', 'bench-classes');
  mkdirSync(classes, { recursive: true });
  execFileSync('javac', ['-d', classes, '-cp', `${lib}/*`, join(ROOT, 'bench', 'java', 'RefProducer.java')]);
  return classes;
}

export async function runThroughput(nameServer: string, lib: string, log: (line: string) => void): Promise<ShapeResult[]> {
  const classes = compileJava(lib);
  const results: ShapeResult[] = [];
  for (const shape of SHAPES) {
    const count = countFor(shape);
    const warmup = Math.min(1000, count / 2);
    const args = [nameServer, 'TopicTest', String(shape.size), String(shape.inflight), shape.mode, String(warmup), String(count)];
    // Alternate who goes first, so neither always meets a warmer broker.
    const runJava = () => runJson<LoadResult>('java', ['-Xms256m', '-Xmx512m', '-cp', `${lib}/*:${classes}`, 'RefProducer', ...args]);
    const runOurs = () => runJson<LoadResult>(process.execPath, [TSX, 'bench/load.ts', ...args]);
    const odd = results.length % 2 === 1;
    const first = await (odd ? runJava() : runOurs());
    const second = await (odd ? runOurs() : runJava());
    const result: ShapeResult = { ...shape, count, ours: odd ? second : first, java: odd ? first : second };
    if (shape.size === 1024 && shape.mode === 'sync' && shape.inflight > 1) {
      result.onsResult = await runJson<LoadResult>(process.execPath, [
        TSX,
        'bench/ons-load.ts',
        nameServer,
        'TopicTest',
        String(shape.size),
        String(shape.inflight),
        String(warmup),
        String(count),
      ]);
    }
    const tps = (r: LoadResult) => (r.sent / r.elapsedMs) * 1000;
    log(`  ${shape.size} B, ${shape.inflight} in flight, ${shape.mode}: ours ${tps(result.ours).toFixed(0)}/s, java ${tps(result.java).toFixed(0)}/s`);
    results.push(result);
  }
  return results;
}
