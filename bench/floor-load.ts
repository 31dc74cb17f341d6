// The floor: what sending costs a Node process that does nothing but send. One socket per broker,
// SEND_MESSAGE_V2 frames (binary header) encoded before the window, `inflight` of them pipelined,
// each response read only as far as its opaque and code, the next frame written at once; the frames
// of one read go out in one write. No message checks, no ids, no queue selection, no timers, no
// promises, no retries: the CPU per message left is Node's own (syscalls, event loop, buffers), and
// ours over it is what the producer adds. Same load shape and output as bench/load.ts.
//   tsx bench/floor-load.ts <namesrv> <topic> <size> <inflight> <warmupMs> <measureMs>
import { connect, type Socket } from 'node:net';
import { NameServerClient } from '../lib/route/name-server.ts';
import { toPublishInfo } from '../lib/route/publish-info.ts';
import { RemotingClient } from '../lib/remoting/remoting-client.ts';
import { body, loadResult, printAndExit } from './harness.ts';
import { sendFrame } from './send-frame.ts';

const [namesrv, topic, size, inflightText, warmupMs, measureMs] = process.argv.slice(2) as [string, string, string, string, string, string];
const inflight = Number(inflightText);

// Setup, outside any window: the route, through our own client.
const remoting = new RemotingClient();
const route = await new NameServerClient(remoting, namesrv.split(';'), 3000).getRoute(topic);
remoting.shutdown();
if (!route) throw new Error(`no route for ${topic}`);
const queues = toPublishInfo(topic, route).messageQueues;

/** Where the opaque sits in a binary-header frame: length 4, type+header length 4, code 2, language 1, version 2. */
const OPAQUE_AT = 13;
const payload = body(Number(size));
// What our producer puts in a plain message's properties: a 32-hex-digit UNIQ_KEY and WAIT.
const properties = `UNIQ_KEY\u0001${'0A'.repeat(16)}\u0002WAIT\u0001true\u0002`;

interface Broker {
  socket: Socket;
  /** Frames to write at the end of this read. */
  out: Buffer[];
  buffered: Buffer;
}
const brokers = new Map<string, Broker>();
function broker(address: string): Broker {
  let b = brokers.get(address);
  if (!b) {
    const at = address.lastIndexOf(':');
    const socket = connect({ host: address.slice(0, at), port: Number(address.slice(at + 1)), noDelay: true });
    b = { socket, out: [], buffered: Buffer.alloc(0) };
    brokers.set(address, b);
  }
  return b;
}

// One frame per slot and queue, the slot's opaque written in: a slot has one request out at a time.
const targets = queues.map((q) => {
  const address = route.brokerDatas.find((d) => d.brokerName === q.brokerName)!.brokerAddrs['0']!;
  return { broker: broker(address), header: q };
});
const frames = Array.from({ length: inflight }, (_, slot) =>
  targets.map(({ header: q }) => {
    const frame = sendFrame({ producerGroup: 'bench-floor', topic, brokerName: q.brokerName, queueId: q.queueId }, properties, payload, slot);
    if (frame.readInt32BE(OPAQUE_AT) !== slot) throw new Error('the opaque is not where the floor writes it');
    return frame;
  }),
);
await Promise.all([...brokers.values()].map((b) => new Promise((resolve, reject) => b.socket.once('connect', resolve).once('error', reject))));

let phaseEnds = 0;
let counting = false;
let failed = 0;
let outstanding = 0;
let done: () => void = () => {};
const latencies: number[] = [];
const started = new Float64Array(inflight);
const nextQueue = new Int32Array(inflight);

function issue(slot: number): void {
  const q = nextQueue[slot]!;
  nextQueue[slot] = (q + 1) % targets.length;
  started[slot] = performance.now();
  outstanding += 1;
  targets[q]!.broker.out.push(frames[slot]![q]!);
}

const OPAQUE_KEY = Buffer.from('"opaque":');
const CODE_KEY = Buffer.from('"code":');
/** The integer after `key` in a JSON header (brokers answer in JSON unless configured otherwise). */
function jsonInt(header: Buffer, key: Buffer): number {
  let at = header.indexOf(key) + key.length;
  let sign = 1;
  if (header[at] === 45) {
    sign = -1;
    at += 1;
  }
  let value = 0;
  for (let c = header[at]!; c >= 48 && c <= 57; c = header[++at]!) value = value * 10 + c - 48;
  return sign * value;
}

function onResponse(frame: Buffer): void {
  const headerLength = frame.readUInt32BE(4) & 0xffffff;
  let opaque: number;
  let code: number;
  if (frame[4] === 1) {
    code = frame.readInt16BE(8);
    opaque = frame.readInt32BE(OPAQUE_AT);
  } else {
    const header = frame.subarray(8, 8 + headerLength);
    code = jsonInt(header, CODE_KEY);
    opaque = jsonInt(header, OPAQUE_KEY);
  }
  outstanding -= 1;
  if (counting) {
    latencies.push(performance.now() - started[opaque]!);
    if (code !== 0) failed += 1;
  }
  if (Date.now() < phaseEnds) issue(opaque);
  else if (outstanding === 0) done();
}

function flush(): void {
  for (const b of brokers.values()) {
    if (b.out.length === 0) continue;
    b.socket.write(b.out.length === 1 ? b.out[0]! : Buffer.concat(b.out));
    b.out.length = 0;
  }
}

for (const b of brokers.values()) {
  b.socket.on('data', (chunk: Buffer) => {
    let data = b.buffered.length ? Buffer.concat([b.buffered, chunk]) : chunk;
    while (data.length >= 4) {
      const length = data.readInt32BE(0) + 4;
      if (data.length < length) break;
      onResponse(data.subarray(0, length));
      data = data.subarray(length);
    }
    b.buffered = data;
    flush();
  });
}

/** Keeps `inflight` sends out until `until`, and resolves when the last one is answered. */
function phase(until: number): Promise<void> {
  phaseEnds = until;
  return new Promise((resolve) => {
    done = resolve;
    for (let slot = 0; slot < inflight; slot++) issue(slot);
    flush();
  });
}

await phase(Date.now() + Number(warmupMs));
counting = true;
const cpu = process.cpuUsage();
const t0 = process.hrtime.bigint();
await phase(Date.now() + Number(measureMs));
const elapsedMs = Number(process.hrtime.bigint() - t0) / 1e6;
const used = process.cpuUsage(cpu);
for (const b of brokers.values()) b.socket.destroy();
printAndExit(loadResult(latencies, failed, elapsedMs, used));
