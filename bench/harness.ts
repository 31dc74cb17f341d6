// The load shape shared by the Node clients under test: `inflight` concurrent loops, a warm-up,
// then `count` timed sends. Prints one JSON line (LoadResult) and exits.
import type { LoadResult } from './util.ts';

export function body(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = 97 + ((i * 7) % 26);
  return bytes;
}

async function run(send: () => Promise<unknown>, inflight: number, count: number, latencies: Float64Array): Promise<number> {
  let next = 0;
  let failed = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const t0 = process.hrtime.bigint();
      try {
        await send();
      } catch {
        failed += 1;
      }
      latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6;
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  return failed;
}

export async function measureLoad(
  send: () => Promise<unknown>,
  inflight: number,
  warmup: number,
  count: number,
  close: () => Promise<unknown>,
): Promise<never> {
  await run(send, inflight, warmup, new Float64Array(warmup));
  const latencies = new Float64Array(count);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const failed = await run(send, inflight, count, latencies);
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  const used = process.cpuUsage(cpu);
  const rssKb = Math.round(process.memoryUsage().rss / 1024);
  await close();
  latencies.sort();
  const result: LoadResult = {
    sent: count - failed,
    failed,
    elapsedMs,
    p50: latencies[Math.floor(count / 2)]!,
    p99: latencies[Math.floor(count * 0.99)]!,
    max: latencies[count - 1]!,
    cpuMs: Math.round((used.user + used.system) / 1000),
    rssKb,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
