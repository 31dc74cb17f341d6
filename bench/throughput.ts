// Throughput, latency, CPU and RSS of our producer against the Java reference producer (and
// ali-ons for two shapes), same topic, queues and brokers. Each client sends for a fixed time
// after a warm-up; every shape runs in several rounds, and each round starts with a different
// client, so no client always meets the warmer (or more tired) broker.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cpuUs, ROOT, TSX, runJson, type LoadResult } from './util.ts';

export interface Shape {
  size: number;
  inflight: number;
  mode: 'sync' | 'async';
  /** ali-ons runs this shape too. */
  ons?: boolean;
  /** The raw-socket floor (bench/floor-load.ts) runs this shape too. */
  floor?: boolean;
}

export interface Round {
  ours: LoadResult;
  java: LoadResult;
  ons?: LoadResult;
  floor?: LoadResult;
  /** Who went first in this round. */
  order: string[];
}

export interface ShapeResult extends Shape {
  rounds: Round[];
}

export interface Timing {
  warmupMs: number;
  measureMs: number;
  rounds: number;
  /** The memory check's soak, 0 for none. */
  soakSeconds: number;
}

/** 1 KiB sync at three concurrencies (the throughput-against-in-flight plot), and one shape each for the rest. */
export const SHAPES: Shape[] = [
  { size: 1024, inflight: 1, mode: 'sync' },
  { size: 1024, inflight: 16, mode: 'sync', ons: true, floor: true },
  { size: 1024, inflight: 64, mode: 'sync', ons: true, floor: true },
  { size: 1024, inflight: 16, mode: 'async', floor: true },
  { size: 1024, inflight: 64, mode: 'async', floor: true },
  { size: 128, inflight: 64, mode: 'sync' },
  { size: 16384, inflight: 16, mode: 'sync' },
];

export function compileJava(lib: string): string {
  const classes = join(ROOT, '.cache', 'bench-classes');
  mkdirSync(classes, { recursive: true });
  execFileSync('javac', ['-d', classes, '-cp', `${lib}/*`, join(ROOT, 'bench', 'java', 'RefProducer.java')]);
  return classes;
}

export async function runThroughput(nameServer: string, lib: string, timing: Timing, log: (line: string) => void, shapes = SHAPES): Promise<ShapeResult[]> {
  const classes = compileJava(lib);
  const results: ShapeResult[] = [];
  const timeoutMs = timing.warmupMs + timing.measureMs + 60_000;
  let turn = 0;
  for (const shape of shapes) {
    const args = [nameServer, 'TopicTest', String(shape.size), String(shape.inflight), shape.mode, String(timing.warmupMs), String(timing.measureMs)];
    // ali-ons and the floor take no mode.
    const modeless = args.filter((_, i) => i !== 4);
    // The JVM with no flags of ours: what `java` chooses on this machine (printed with the result).
    const clients: Record<string, () => Promise<LoadResult>> = {
      ours: () => runJson<LoadResult>(process.execPath, [TSX, 'bench/load.ts', ...args], { timeoutMs }),
      java: () => runJson<LoadResult>('java', ['-cp', `${lib}/*:${classes}`, 'RefProducer', ...args], { timeoutMs }),
      ...(shape.ons ? { ons: () => runJson<LoadResult>(process.execPath, [TSX, 'bench/ons-load.ts', ...modeless], { timeoutMs }) } : {}),
      // The floor has no modes: every send of it is a frame written and an answer matched.
      ...(shape.floor ? { floor: () => runJson<LoadResult>(process.execPath, [TSX, 'bench/floor-load.ts', ...modeless], { timeoutMs }) } : {}),
    };
    const names = Object.keys(clients);
    const rounds: Round[] = [];
    for (let round = 0; round < timing.rounds; round++) {
      const order = names.map((_, i) => names[(i + turn) % names.length]!);
      turn += 1;
      const got: Record<string, LoadResult> = {};
      for (const name of order) got[name] = await clients[name]!();
      rounds.push({ ours: got.ours!, java: got.java!, ...(got.ons ? { ons: got.ons } : {}), ...(got.floor ? { floor: got.floor } : {}), order });
    }
    const ratios = rounds.map((r) => tps(r.ours) / tps(r.java)).map((x) => x.toFixed(2));
    const floor = shape.floor ? `; CPU ours/floor ${rounds.map((r) => (cpuUs(r.ours) / cpuUs(r.floor!)).toFixed(2)).join(', ')}` : '';
    log(`  ${shape.size} B, ${shape.inflight} in flight, ${shape.mode}: ours/Java ${ratios.join(', ')}${floor}`);
    results.push({ ...shape, rounds });
  }
  return results;
}

export const tps = (r: LoadResult) => (r.sent / r.elapsedMs) * 1000;
