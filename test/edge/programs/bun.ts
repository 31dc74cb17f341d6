// Bun: `bun bun.ts <nameServer> <topic> <run> <count>` prints one line of JSON, the SampleResult.
import { sendSample } from './send-sample.ts';

declare const Bun: { version: string };

const [nameServer = '127.0.0.1:19876', topic = 'TopicTest', run = 'bun', count = '3'] = process.argv.slice(2);
const result = await sendSample({ nameServer, topic, run, runtime: 'bun', count: Number(count) });
console.log(JSON.stringify({ version: Bun.version, ...result }));
