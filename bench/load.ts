// Our producer under the load shape of bench/java/RefProducer.java, in a process of its own so CPU
// and RSS are its alone. Prints one JSON line.
//   tsx bench/load.ts <namesrv> <topic> <size> <inflight> <sync|async> <warmup> <count>
import { createProducer, type Producer } from '../lib/index.ts';

const [namesrv, topic, sizeArg, inflightArg, mode, warmupArg, countArg] = process.argv.slice(2) as [string, string, string, string, string, string, string];
const size = Number(sizeArg);
const inflight = Number(inflightArg);
const body = Buffer.alloc(size);
for (let i = 0; i < size; i++) body[i] = 97 + ((i * 7) % 26);

async function run(producer: Producer, count: number, latencies: Float64Array): Promise<number> {
  let next = 0;
  let failed = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const t0 = process.hrtime.bigint();
      try {
        await (mode === 'sync' ? producer.send({ topic, body }) : producer.sendAsync({ topic, body }));
      } catch {
        failed += 1;
      }
      latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6;
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  return failed;
}

const producer = createProducer({ nameServers: namesrv, producerGroup: 'bench-node' });
await producer.start();
await run(producer, Number(warmupArg), new Float64Array(Number(warmupArg)));
const count = Number(countArg);
const latencies = new Float64Array(count);
const cpu = process.cpuUsage();
const started = process.hrtime.bigint();
const failed = await run(producer, count, latencies);
const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
const used = process.cpuUsage(cpu);
const rssKb = Math.round(process.memoryUsage().rss / 1024);
await producer.shutdown();
latencies.sort();
process.stdout.write(
  `${JSON.stringify({
    sent: count - failed,
    failed,
    elapsedMs,
    p50: latencies[Math.floor(count / 2)],
    p99: latencies[Math.floor(count * 0.99)],
    max: latencies[count - 1],
    cpuMs: Math.round((used.user + used.system) / 1000),
    rssKb,
  })}\n`,
);
process.exit(0);
