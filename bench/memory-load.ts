// A warm container's memory under sends, in a process of its own:
// `sends` messages with 64 in flight, the heap measured after a full GC at each checkpoint; then,
// with `soakSeconds` > 0, sends at a bounded rate for that long, measured the same way.
//   tsx bench/memory-load.ts <namesrv> <topic> <sends> <soakSeconds> <ratePerSecond>
// Prints one JSON line: checkpoints of { sent, seconds, heapMiB, rssMiB, inFlight, pending }.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createInternalProducer } from '../lib/internal.ts';
import { body } from './harness.ts';

const [namesrv, topic, sendsArg, soakArg, rateArg] = process.argv.slice(2) as [string, string, string, string, string];
const [sends, soakSeconds, rate] = [Number(sendsArg), Number(soakArg), Number(rateArg)];
// A full GC on demand, without a flag on the command line (tsx starts node itself).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const producer = createInternalProducer({ nameServers: namesrv, producerGroup: 'bench-memory', logger: () => undefined });
await producer.start();
const bytes = body(1024);
const started = Date.now();
let sent = 0;
const checkpoints: { phase: string; sent: number; seconds: number; heapMiB: number; rssMiB: number; inFlight: number; pending: number }[] = [];
const checkpoint = (phase: string) => {
  gc();
  const m = process.memoryUsage();
  checkpoints.push({
    phase,
    sent,
    seconds: (Date.now() - started) / 1000,
    heapMiB: m.heapUsed / 2 ** 20,
    rssMiB: m.rss / 2 ** 20,
    inFlight: producer.remoting.inFlight,
    pending: producer.stats().pending,
  });
};
checkpoint('start');
const step = Math.max(1, Math.floor(sends / 5));
while (sent < sends) {
  const until = Math.min(sends, sent + step);
  let next = sent;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < until) {
        next += 1;
        await producer.send({ topic, body: bytes }).catch(() => undefined);
      }
    }),
  );
  sent = until;
  checkpoint('burst');
}
if (soakSeconds > 0) {
  const soakEnd = Date.now() + soakSeconds * 1000;
  let nextCheck = Date.now() + (soakSeconds * 1000) / 10;
  while (Date.now() < soakEnd) {
    const tick = Date.now();
    await Promise.all(Array.from({ length: Math.max(1, Math.round(rate / 10)) }, () => producer.send({ topic, body: bytes }).catch(() => undefined)));
    sent += Math.max(1, Math.round(rate / 10));
    await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - tick))));
    if (Date.now() >= nextCheck) {
      checkpoint('soak');
      nextCheck += (soakSeconds * 1000) / 10;
    }
  }
}
await producer.flush();
checkpoint('end');
await producer.shutdown();
process.stdout.write(`${JSON.stringify({ checkpoints })}\n`);
process.exit(0);
