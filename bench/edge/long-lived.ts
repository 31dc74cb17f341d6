// One long-lived producer, as Node, Deno and Bun run it; bench/edge.ts bundles this file once with
// esbuild and runs the same bundle in each runtime, so no runtime pays for compiling TypeScript.
//   <runtime> long-lived.mjs latency <nameServer> <topic> <size> <warmSends>
//     the first send after the process started (producer start included) against warm ones, and
//     warm calls of withEdgeProducer (a producer made, started and shut down per call, as a Worker
//     does per request; routes from memory)
//   <runtime> long-lived.mjs load <nameServer> <topic> <size> <inflight> <warmupMs> <measureMs> [per-request]
//     sends per second with `inflight` at once, after a warm-up; this process's CPU in the measured
//     window, whose start and end it prints as {"window":"start"} and {"window":"end"} lines (the
//     bench reads the brokers' CPU then)
// Prints one line of JSON last.
import process from 'node:process';
import { withEdgeProducer } from '../../lib/edge.ts';
import { createProducer } from '../../lib/index.ts';
import { body, percentiles, run } from '../harness.ts';

/** When the module began to run, in ms since the process started (every runtime here counts from there). */
const loadedMs = performance.now();

declare const Deno: { version: { deno: string } } | undefined;
declare const Bun: { version: string } | undefined;

const runtime = typeof Deno !== 'undefined' ? 'deno' : typeof Bun !== 'undefined' ? 'bun' : 'node';
const version = typeof Deno !== 'undefined' ? Deno.version.deno : typeof Bun !== 'undefined' ? Bun.version : process.version;

const [mode, nameServer = '127.0.0.1:9876', topic = 'TopicTest', size = '1024', ...rest] = process.argv.slice(2);
const bytes = body(Number(size));
// As bench/load.ts runs ours against the Java producer.
const producer = createProducer({
  nameServers: nameServer,
  producerGroup: `bench-${runtime}`,
  sendMsgTimeout: 3000,
  retryTimesWhenSendFailed: 2,
  sendLatencyFaultEnable: true,
  faultTables: '5.x',
});
const send = () => producer.send({ topic, body: bytes });
const edgeOptions = { nameServers: nameServer, producerGroup: `bench-${runtime}-edge`, sendMsgTimeout: 3000, retryTimesWhenSendFailed: 2, logger: () => {} };
const sendPerRequest = () => withEdgeProducer(edgeOptions, (own) => own.send({ topic, body: bytes }));

let result: Record<string, unknown>;
if (mode === 'latency') {
  const began = performance.now();
  await producer.start();
  const first = await send();
  const firstResultAtMs = performance.now();
  const warm: number[] = [];
  for (let i = 0; i < Number(rest[0] ?? 20); i++) {
    const t = performance.now();
    await send();
    warm.push(performance.now() - t);
  }
  const perCall: number[] = [];
  for (let i = 0; i < Number(rest[0] ?? 20); i++) {
    const t = performance.now();
    await sendPerRequest();
    perCall.push(performance.now() - t);
  }
  result = {
    status: first.status,
    loadedMs,
    firstSendMs: firstResultAtMs - began,
    firstResultAtMs,
    warmMs: percentiles(warm).p50,
    perRequestMs: percentiles(perCall).p50,
  };
} else if (mode === 'load') {
  const [inflight, warmupMs, measureMs] = rest.map(Number) as [number, number, number];
  const sender = rest[3] === 'per-request' ? sendPerRequest : send;
  await producer.start();
  await run(sender, inflight, Date.now() + warmupMs);
  console.log(JSON.stringify({ window: 'start' }));
  const cpu = process.cpuUsage();
  const began = performance.now();
  const { latencies, failed } = await run(sender, inflight, Date.now() + measureMs);
  const elapsedMs = performance.now() - began;
  const used = process.cpuUsage(cpu);
  console.log(JSON.stringify({ window: 'end' }));
  result = {
    sent: latencies.length - failed,
    failed,
    elapsedMs,
    ...percentiles(latencies),
    cpuMs: (used.user + used.system) / 1000,
  };
} else {
  throw new Error(`mode "${mode}" is neither latency nor load`);
}
await producer.shutdown();
console.log(JSON.stringify({ runtime, version, ...result }));
// Deno and Bun end once nothing is left to run; the same for Node, but none of them is waited on.
process.exit(0);
