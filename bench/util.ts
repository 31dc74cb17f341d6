// Shared by the benchmark scripts.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const ROOT = join(import.meta.dirname, '..');
export const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

export interface LoadResult {
  sent: number;
  failed: number;
  elapsedMs: number;
  p50: number;
  p99: number;
  max: number;
  cpuMs: number;
  rssKb: number;
  /** The Java reference prints how its JVM ran. */
  jvm?: { version: string; flags: string; gc: string; maxHeapMb: number; processors: number };
}

/** Runs a command and parses the last line of its output as JSON. */
export async function runJson<T>(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<T> {
  const { stdout } = await promisify(execFile)(command, args, {
    cwd: ROOT,
    env: options.env ?? process.env,
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (!line) throw new Error(`${command} ${args.join(' ')} printed no JSON:\n${stdout.slice(-2000)}`);
  return JSON.parse(line) as T;
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

export const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/** CPU per message sent in a load window, µs. */
export const cpuUs = (r: Pick<LoadResult, 'cpuMs' | 'sent'>): number => (r.cpuMs * 1000) / Math.max(1, r.sent);

/** Median and spread (min-max) of per-round values. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}
export function spread(values: number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}
export const showSpread = (x: Spread, digits = 2) => `**${fmt(x.median, digits)}** (${fmt(x.min, digits)}-${fmt(x.max, digits)})`;
