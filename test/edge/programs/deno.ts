// Deno: `deno run --allow-net --allow-env --allow-sys deno.ts <nameServer> <topic> <run> <count>`
// prints one line of JSON, the SampleResult.
import { sendSample } from './send-sample.ts';

declare const Deno: { args: string[]; version: { deno: string } };

const [nameServer = '127.0.0.1:19876', topic = 'TopicTest', run = 'deno', count = '3'] = Deno.args;
const result = await sendSample({ nameServer, topic, run, runtime: 'deno', count: Number(count) });
console.log(JSON.stringify({ version: Deno.version.deno, ...result }));
