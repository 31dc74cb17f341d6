// Our producer under the load shape of bench/java/RefProducer.java, in a process of its own so CPU
// and RSS are its alone. Settings as the Java reference runs: 3 s send timeout, 2 retries, latency
// fault tolerance on with the 5.x tables (MQFaultStrategy of rocketmq-client 5.3.3).
//   tsx bench/load.ts <namesrv> <topic> <size> <inflight> <sync|async> <warmupMs> <measureMs>
import { createProducer } from '../lib/index.ts';
import { body, measureLoad } from './harness.ts';

const [namesrv, topic, size, inflight, mode, warmupMs, measureMs] = process.argv.slice(2) as [string, string, string, string, string, string, string];
const bytes = body(Number(size));
const producer = createProducer({
  nameServers: namesrv,
  producerGroup: 'bench-node',
  sendMsgTimeout: 3000,
  retryTimesWhenSendFailed: 2,
  sendLatencyFaultEnable: true,
  faultTables: '5.x',
});
await producer.start();
await measureLoad(
  () => (mode === 'sync' ? producer.send({ topic, body: bytes }) : producer.sendAsync({ topic, body: bytes })),
  Number(inflight),
  Number(warmupMs),
  Number(measureMs),
  () => producer.shutdown(),
);
