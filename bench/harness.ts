// The load shape shared by the Node clients under test: `inflight` concurrent loops sending for a
// fixed time, a warm-up first (not measured), then the measured window. A send counts when it
// started inside the window; throughput is those sends over the window. Prints one JSON line
// (LoadResult) and exits.
import type { LoadResult } from './util.ts';

export function body(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = 97 + ((i * 7) % 26);
  return bytes;
}

/** Sends until `until` (ms since the epoch); returns the latencies (ms) and failures of sends started before it. */
export async function run(send: () => Promise<unknown>, inflight: number, until: number): Promise<{ latencies: number[]; failed: number }> {
  const latencies: number[] = [];
  let failed = 0;
  const worker = async () => {
    while (Date.now() < until) {
      // performance.now(), as the floor times its sends: a BigInt per reading is the harness's cost, not the client's.
      const t0 = performance.now();
      try {
        await send();
      } catch {
        failed += 1;
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  return { latencies, failed };
}

/** p50, p99 and the largest of `latencies` (sorted in place). */
export function percentiles(latencies: number[]): { p50: number; p99: number; max: number } {
  latencies.sort((a, b) => a - b);
  const count = latencies.length;
  return { p50: latencies[Math.floor(count / 2)] ?? 0, p99: latencies[Math.floor(count * 0.99)] ?? 0, max: latencies[count - 1] ?? 0 };
}

export async function measureLoad(
  send: () => Promise<unknown>,
  inflight: number,
  warmupMs: number,
  measureMs: number,
  close: () => Promise<unknown>,
): Promise<never> {
  await run(send, inflight, Date.now() + warmupMs);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const { latencies, failed } = await run(send, inflight, Date.now() + measureMs);
  // The window ends when the last send started inside it is answered.
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  const result = loadResult(latencies, failed, elapsedMs, process.cpuUsage(cpu));
  await close();
  printAndExit(result);
}

/** A window's LoadResult: `latencies` of its sends (failures included), the CPU used in it, the RSS now. */
export function loadResult(latencies: number[], failed: number, elapsedMs: number, used: NodeJS.CpuUsage): LoadResult {
  return {
    sent: latencies.length - failed,
    failed,
    elapsedMs,
    ...percentiles(latencies),
    cpuMs: Math.round((used.user + used.system) / 1000),
    rssKb: Math.round(process.memoryUsage().rss / 1024),
  };
}

/** The one JSON line the bench reads, then exit. */
export function printAndExit(result: LoadResult): never {
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
