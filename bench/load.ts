// Our producer under the load shape of bench/java/RefProducer.java, in a process of its own so CPU
// and RSS are its alone.
//   tsx bench/load.ts <namesrv> <topic> <size> <inflight> <sync|async> <warmup> <count>
import { createProducer } from '../lib/index.ts';
import { body, measureLoad } from './harness.ts';

const [namesrv, topic, size, inflight, mode, warmup, count] = process.argv.slice(2) as [string, string, string, string, string, string, string];
const bytes = body(Number(size));
const producer = createProducer({ nameServers: namesrv, producerGroup: 'bench-node' });
await producer.start();
await measureLoad(
  () => (mode === 'sync' ? producer.send({ topic, body: bytes }) : producer.sendAsync({ topic, body: bytes })),
  Number(inflight),
  Number(warmup),
  Number(count),
  () => producer.shutdown(),
);
