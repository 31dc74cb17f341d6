// ali-ons (a pure-JS remoting client from npm) under the same load shape as bench/load.ts.
//   tsx bench/ons-load.ts <namesrv> <topic> <size> <inflight> <warmupMs> <measureMs>
import { createRequire } from 'node:module';
import { body, measureLoad } from './harness.ts';

const { Producer, Message } = createRequire(import.meta.url)('ali-ons');
const [namesrv, topic, size, inflight, warmupMs, measureMs] = process.argv.slice(2) as [string, string, string, string, string, string];
const bytes = body(Number(size));
// ali-ons asks an HTTP address server for name servers unless nameSrv is given; it never is asked here.
const httpclient = { request: async () => Promise.reject(new Error('no address server in this benchmark')) };
const producer = new Producer({ httpclient, accessKey: 'bench', secretKey: 'bench', producerGroup: 'bench-ons', nameSrv: namesrv });
await producer.ready();
await measureLoad(
  () => producer.send(new Message(topic, 'bench', bytes)),
  Number(inflight),
  Number(warmupMs),
  Number(measureMs),
  () => producer.close(),
);
