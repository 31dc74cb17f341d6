// One mode of the publish-once bench, in a process of its own (its CPU is the handler's alone):
// the real publish handler (functions/publish) invoked one request at a time, as classic Lambda
// does, with the environment the parent set (PUBLISH_ONCE, STATE_TABLE). Every request carries a
// new Idempotency-Key when `keyed`; with `retry`, each is sent twice and only the second (the
// retry of a request whose answer was lost) is measured. Prints the result as JSON.
//   tsx bench/publish-once-load.ts <keyed 0|1> <retry 0|1> <warmup> <requests>
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { sharedEngine } from '../lib/lambda/with-producer.ts';
import { lambdaContext } from '../infra/local/server.ts';
import { httpApiEvent } from '../test/support/events.ts';

const [keyed, retry, warmup, requests] = process.argv.slice(2).map(Number) as [number, number, number, number];
const { handler } = await import('../functions/publish/index.ts');

async function post(key: string | undefined): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) };
  const event = httpApiEvent('POST', '/topics/TopicTest/messages', JSON.stringify({ body: 'publish once, measured', tags: 'bench' }), headers);
  const response = (await handler(event, lambdaContext())) as APIGatewayProxyResult;
  if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}: ${response.body}`);
}

async function one(): Promise<number> {
  const key = keyed ? randomUUID() : undefined;
  if (retry) await post(key);
  const started = performance.now();
  await post(key);
  return performance.now() - started;
}

for (let i = 0; i < warmup; i++) await one();
const cpuBefore = process.cpuUsage();
const latencies: number[] = [];
for (let i = 0; i < requests; i++) latencies.push(await one());
const cpu = process.cpuUsage(cpuBefore);
await sharedEngine().close();
latencies.sort((a, b) => a - b);
const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
// With `retry` the CPU counted covers both requests of each pair; the latency only the second.
process.stdout.write(JSON.stringify({ requests, medianMs: at(0.5), p99Ms: at(0.99), cpuUsPerPair: (cpu.user + cpu.system) / requests }));
