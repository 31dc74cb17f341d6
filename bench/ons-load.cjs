// ali-ons (a pure-JS remoting client from npm) under the load shape of bench/load.ts.
//   node bench/ons-load.cjs <namesrv> <topic> <size> <inflight> <warmup> <count>
const { Producer, Message } = require('ali-ons');

const [namesrv, topic, sizeArg, inflightArg, warmupArg, countArg] = process.argv.slice(2);
const size = Number(sizeArg);
const inflight = Number(inflightArg);
const body = Buffer.alloc(size);
for (let i = 0; i < size; i++) body[i] = 97 + ((i * 7) % 26);
// ali-ons asks an HTTP address server for name servers unless nameSrv is given; it never is asked here.
const httpclient = { request: async () => { throw new Error('no address server in this benchmark'); } };

async function run(producer, count, latencies) {
  let next = 0;
  let failed = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const t0 = process.hrtime.bigint();
      try {
        await producer.send(new Message(topic, 'bench', body));
      } catch {
        failed += 1;
      }
      latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6;
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  return failed;
}

(async () => {
  const producer = new Producer({ httpclient, accessKey: 'bench', secretKey: 'bench', producerGroup: 'bench-ons', nameSrv: namesrv });
  await producer.ready();
  await run(producer, Number(warmupArg), new Float64Array(Number(warmupArg)));
  const count = Number(countArg);
  const latencies = new Float64Array(count);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const failed = await run(producer, count, latencies);
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  const used = process.cpuUsage(cpu);
  const rssKb = Math.round(process.memoryUsage().rss / 1024);
  latencies.sort();
  process.stdout.write(`${JSON.stringify({ sent: count - failed, failed, elapsedMs, p50: latencies[Math.floor(count / 2)], p99: latencies[Math.floor(count * 0.99)], max: latencies[count - 1], cpuMs: Math.round((used.user + used.system) / 1000), rssKb })}\n`);
  process.exit(0);
})();
