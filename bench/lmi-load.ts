// One execution environment's function thread under load, in a process of its own so its CPU is
// the function's alone: the real publish handler (functions/publish) serving `concurrency`
// invocations at once as a Lambda Managed Instances worker thread does (each inside the runtime's
// invoke store, AWS_LAMBDA_MAX_CONCURRENCY set), or one at a time as classic Lambda does, or the
// bare producer with the same settings and message. As a runtime does, the event arrives as JSON
// text and the answer leaves as JSON text; the runtime API's HTTP round trip is not modelled.
// The parent sets the environment and runs this bundled (bench/lmi.ts); metric lines go to stdout,
// the result to a file. With profileMs, a further window runs under the CPU profiler, after the
// measured one, and its self time is grouped by source (through the bundle's source map).
//   node --enable-source-maps lmi-load.mjs <handler|bare> <concurrency> <sync|async> <warmupMs> <measureMs> <memoryMb> <resultFile> [profileMs]
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { findSourceMap } from 'node:module';
import { loadavg } from 'node:os';
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { APIGatewayProxyEventV2, APIGatewayProxyResult, Context } from 'aws-lambda';
import { createProducer } from '../lib/index.ts';
import { producerOptions, readConfig } from '../lib/lambda/config.ts';
import { percentiles, run } from './harness.ts';
import { type CallFrame, type Part, type ProfileShare, profile } from './profile.ts';
import type { LoadResult } from './util.ts';

/** `sent` counts invocations answered 200 (one message each), or bare sends; latency is per invocation, after-work included. */
export interface LmiLoadResult extends Omit<LoadResult, 'jvm'> {
  /** Lambda's billed duration per invocation here (whole ms, rounded up), mean. */
  billedMs: number;
  /** The same, with the CPU part of each invocation stretched to the CPU share of `memoryMb` (1,769 MB is one vCPU). */
  billedMsAtMemory: number;
  /** The machine's 1-minute load average at the end of the measured window (it has other work than this). */
  loadAvg: number;
  /** Where the CPU went in the profiled window, when one was asked for. */
  profile?: ProfileShare[];
}

/** Nearest frame first; a frame of Node's own that none claims counts for its caller. */
const PARTS: Part[] = [
  ['waiting (idle)', (_u, n) => n === '(idle)'],
  ['garbage collection', (_u, n) => n === '(garbage collector)'],
  ['invoke store: AsyncLocalStorage (a hook on every promise)', (u) => u.includes('async_hooks') || u.includes('@aws/lambda-invoke-store')],
  [
    'sockets (Node net, writev)',
    (u, n) => /^node:(net|internal\/stream_base_commons)/.test(u) || n === 'writev' || n === 'writeBuffer' || n === 'writeUtf8String',
  ],
  ['remoting framing', (u) => u.includes('/lib/remoting/')],
  ['producer (checks, encoding, send loop)', (u) => /\/lib\/(producer|message|protocol|route|state|trace)\//.test(u)],
  ['Powertools metrics (an EMF line per invocation)', (u) => u.includes('@aws-lambda-powertools/metrics')],
  ['Powertools logger and commons', (u) => u.includes('@aws-lambda-powertools/')],
  ['Lambda adapter (engine, withProducer)', (u) => u.includes('/lib/lambda/')],
  ['publish function (request checks, response)', (u) => u.includes('/functions/publish/')],
  ["the runtime's part, played here (event JSON, answer JSON, context, the loop)", (u) => u.includes('/bench/lmi-load.ts')],
];

/** A bundled frame's source file, through the source map Node loaded (--enable-source-maps). */
const sources = new Map<string, string>();
function sourceOf(frame: CallFrame): string {
  if (frame.url.startsWith('node:')) return frame.url;
  const key = `${frame.url}:${frame.lineNumber}:${frame.columnNumber}`;
  let found = sources.get(key);
  if (found === undefined) {
    const entry = findSourceMap(frame.url)?.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string } | undefined;
    found = entry?.originalSource ?? frame.url;
    sources.set(key, found);
  }
  return found;
}

const TOPIC = 'TopicTest';
const BODY_BYTES = 1024;
/** The function's timeout in serverless.yml: each invocation's remaining time starts there. */
const TIMEOUT_MS = 10_000;
/** Lambda gives a function one vCPU at this much memory (AWS Lambda Developer Guide, "Configure Lambda function memory"). */
const ONE_VCPU_MB = 1769;

const [kind, concurrency, sendMode, warmupMs, measureMs, memoryMb, resultFile, profileMs] = process.argv.slice(2) as [
  'handler' | 'bare',
  string,
  'sync' | 'async',
  string,
  string,
  string,
  string,
  string | undefined,
];

const text = 'abcdefghijklmnopqrstuvwxyz'.repeat(Math.ceil(BODY_BYTES / 26)).slice(0, BODY_BYTES);

/** POST /topics/TopicTest/messages as API Gateway HTTP API (payload 2.0) delivers it, as text. */
function eventText(mode: 'sync' | 'async'): string {
  const path = `/topics/${TOPIC}/messages`;
  const body = JSON.stringify(mode === 'async' ? { body: text, mode } : { body: text });
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: 'POST /topics/{topic}/messages',
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-length': String(body.length), 'content-type': 'application/json', host: 'abc123.execute-api.us-east-1.amazonaws.com' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'bench' },
      requestId: randomUUID(),
      routeKey: 'POST /topics/{topic}/messages',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    pathParameters: { topic: TOPIC },
    isBase64Encoded: false,
    body,
  };
  return JSON.stringify(event);
}

function contextOf(requestId: string, deadline: number): Context {
  const name = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'publish';
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '1',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}:1`,
    memoryLimitInMB: memoryMb,
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** One invocation (or one bare send); throws when it did not succeed. */
type Unit = () => Promise<unknown>;

async function handlerUnit(): Promise<Unit> {
  // The runtime makes its invoke store before it loads the function (multi-context when
  // AWS_LAMBDA_MAX_CONCURRENCY is set), then imports the module: its init phase.
  const store = await InvokeStore.getInstanceAsync();
  const { handler } = (await import('../functions/publish/index.ts')) as {
    handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResult>;
  };
  const event = eventText(sendMode);
  return async () => {
    const requestId = randomUUID();
    const context = contextOf(requestId, Date.now() + TIMEOUT_MS);
    const result = await store.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: requestId }, () => handler(JSON.parse(event), context));
    JSON.stringify(result);
    if (result.statusCode !== 200) throw new Error(`answered ${result.statusCode}`);
  };
}

async function bareUnit(): Promise<Unit> {
  // The producer the adapter builds from the same variables, and the same message.
  const producer = createProducer(producerOptions(readConfig(process.env)));
  await producer.start({ warmTopics: [TOPIC], connect: true });
  return async () => {
    const result = await (sendMode === 'async' ? producer.sendAsync({ topic: TOPIC, body: text }) : producer.send({ topic: TOPIC, body: text }));
    if (result.status !== 'SEND_OK') throw new Error(result.status);
  };
}

const unit = kind === 'bare' ? await bareUnit() : await handlerUnit();
const slots = Number(concurrency);
await run(unit, slots, Date.now() + Number(warmupMs));
const cpu = process.cpuUsage();
const started = performance.now();
const { latencies, failed } = await run(unit, slots, Date.now() + Number(measureMs));
const elapsedMs = performance.now() - started;
const used = process.cpuUsage(cpu);
const loadAvg = loadavg()[0] ?? 0;
const cpuMs = (used.user + used.system) / 1000;
const count = latencies.length;
// Classic Lambda bills each invocation's duration in whole ms; below 1,769 MB the function gets a
// share of a vCPU, so its CPU-bound part takes longer there than on this machine's full core.
const stretch = ONE_VCPU_MB / Number(memoryMb) - 1;
const cpuMsPerUnit = cpuMs / Math.max(1, count);
let billed = 0;
let billedAtMemory = 0;
for (const ms of latencies) {
  billed += Math.max(1, Math.ceil(ms));
  billedAtMemory += Math.max(1, Math.ceil(ms + cpuMsPerUnit * Math.max(0, stretch)));
}
const profiled = Number(profileMs ?? 0) > 0;
const shares = profiled
  ? await profile(
      async () => {
        await run(unit, slots, Date.now() + Number(profileMs));
      },
      { parts: PARTS, source: sourceOf, throughNode: true },
    )
  : undefined;
const result: LmiLoadResult = {
  sent: count - failed,
  failed,
  elapsedMs,
  ...percentiles(latencies),
  cpuMs,
  rssKb: Math.round(process.memoryUsage().rss / 1024),
  loadAvg,
  billedMs: billed / Math.max(1, count),
  billedMsAtMemory: billedAtMemory / Math.max(1, count),
  ...(shares ? { profile: shares } : {}),
};
writeFileSync(resultFile, `${JSON.stringify(result)}\n`);
process.exit(0);
