// Where a send's CPU goes at 64 in flight, 1 KiB, sync (the floor's shape): an in-process CPU
// profile of the producer under the load of bench/load.ts, self time grouped into the parts of
// the send path, and the top frames. Prints one JSON line.
//   tsx bench/send-profile.ts <namesrv> <topic> <warmupMs> <measureMs>
import { createProducer } from '../lib/index.ts';
import { body, run } from './harness.ts';
import { type Part, profile, type ProfileShare } from './profile.ts';

const lib = (files: string) => new RegExp(`/lib/${files}\\.ts$`);
/** First match wins, from the sampled frame up to the first frame with a URL (a builtin counts for its caller). */
const PARTS: Part[] = [
  ['waiting (idle)', (_u, n) => n === '(idle)'],
  ['garbage collection', (_u, n) => n === '(garbage collector)'],
  ['bench harness (timing, latencies)', (u) => u.includes('/bench/')],
  [
    'response decoding (frame cut, JSON.parse of the header, send response)',
    (u, n) => lib('remoting/(accumulator|frame|header-json|buffer-reader)').test(u) && n !== 'binaryFrame' && n !== 'encodeFrameAs',
  ],
  ['request encoding (binary header, frame)', (u) => lib('remoting/(header-binary|buffer-writer|frame)').test(u)],
  ['connection: response table, deadline timer, corked writes', (u) => lib('remoting/(connection|remoting-client)').test(u)],
  ['message checks, properties, UNIQ_KEY, request fields', (u) => lib('(message/.*|producer/prepare|protocol/send)').test(u)],
  ['send loop: route, queue choice, fault tolerance, heartbeats, result', (u) => lib('(producer/.*|route/.*)').test(u)],
  [
    "Node's sockets and streams (write and read syscalls included)",
    (u, n) => /node:(net|internal\/stream|internal\/streams|stream)/.test(u) || n === 'writev' || n === 'writeBuffer' || n === 'onStreamRead',
  ],
];

const [namesrv, topic, warmupMs, measureMs] = process.argv.slice(2) as [string, string, string, string];
const bytes = body(1024);
const producer = createProducer({
  nameServers: namesrv,
  producerGroup: 'bench-profile',
  sendMsgTimeout: 3000,
  retryTimesWhenSendFailed: 2,
  sendLatencyFaultEnable: true,
  faultTables: '5.x',
});
await producer.start();
const send = () => producer.send({ topic, body: bytes });
await run(send, 64, Date.now() + Number(warmupMs));
let sent = 0;
const parts: ProfileShare[] = await profile(
  async () => {
    sent = (await run(send, 64, Date.now() + Number(measureMs))).latencies.length;
  },
  { parts: PARTS, throughNode: true },
);
await producer.shutdown();
process.stdout.write(`${JSON.stringify({ sent, parts })}\n`);
process.exit(0);
