// What publishing once costs (BENCHMARKS.md, "Publish once"): the real publish handler, one
// request at a time, with no Idempotency-Key (the path every request took before), with a key
// (its UNIQ_KEYs derived from it), with PUBLISH_ONCE (the brokers asked by UNIQ_KEY before the
// send), and with the state table as well (a Powertools Idempotency record per key, in DynamoDB
// Local); then the retry of a request already stored, which is answered, not sent. DynamoDB
// requests are counted by a forwarding proxy in front of DynamoDB Local, by their X-Amz-Target.
//   tsx bench/publish-once.ts    (on the running local stack; npm run bench runs it too)
import { spawn } from 'node:child_process';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ensureLocalTable, localAwsEnv } from '../infra/local/dynamodb.ts';
import { describe, up } from '../infra/local/stack.ts';
import { ROOT, TSX } from './util.ts';

export interface PublishOnceMode {
  name: string;
  medianMs: number;
  p99Ms: number;
  /** CPU of the handler's process per measured request (with a retry: per request and its retry). */
  cpuUs: number;
  /** DynamoDB requests per measured request, by operation. */
  dynamodb: Record<string, number>;
}

const MODES = [
  { name: 'no key', keyed: 0, retry: 0, env: { PUBLISH_ONCE: 'off' } },
  { name: 'Idempotency-Key', keyed: 1, retry: 0, env: { PUBLISH_ONCE: 'off' } },
  { name: 'key, PUBLISH_ONCE', keyed: 1, retry: 0, env: { PUBLISH_ONCE: 'on' } },
  { name: 'key, PUBLISH_ONCE, state table', keyed: 1, retry: 0, env: { PUBLISH_ONCE: 'on', table: true } },
  { name: 'retry of a stored request, PUBLISH_ONCE, state table', keyed: 1, retry: 1, env: { PUBLISH_ONCE: 'on', table: true } },
] as const;

/** A proxy to DynamoDB Local that counts each request by its operation. */
async function countingProxy(target: string): Promise<{ endpoint: string; counts: Map<string, number>; close: () => void }> {
  const counts = new Map<string, number>();
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const operation = String(req.headers['x-amz-target'] ?? 'unknown')
      .split('.')
      .pop()!;
    counts.set(operation, (counts.get(operation) ?? 0) + 1);
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 500, answer.headers);
      answer.pipe(res);
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, counts, close: () => server.close() };
}

function child(args: string[], env: NodeJS.ProcessEnv): Promise<{ medianMs: number; p99Ms: number; cpuUsPerPair: number }> {
  return new Promise((resolve, reject) => {
    const process_ = spawn(process.execPath, [TSX, 'bench/publish-once-load.ts', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    process_.stdout.on('data', (chunk) => (out += chunk));
    process_.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`publish-once-load exited ${code}`))));
  });
}

export async function runPublishOnce(nameServer: string, dynamodbEndpoint: string, log: (line: string) => void, requests = 300): Promise<PublishOnceMode[]> {
  const table = `publish-once-bench-${process.pid}`;
  await ensureLocalTable(dynamodbEndpoint, table);
  const results: PublishOnceMode[] = [];
  for (const mode of MODES) {
    const proxy = await countingProxy(dynamodbEndpoint);
    try {
      const env = {
        ...process.env,
        ...localAwsEnv(proxy.endpoint),
        NAMESRV_ADDR: nameServer,
        PRODUCER_GROUP: 'publish-once-bench',
        ALLOWED_TOPICS: 'TopicTest',
        PUBLISH_ONCE: mode.env.PUBLISH_ONCE,
        STATE_TABLE: 'table' in mode.env ? table : '',
        POWERTOOLS_METRICS_DISABLED: 'true',
        POWERTOOLS_LOG_LEVEL: 'ERROR',
      };
      const warmup = 50;
      const measured = await child([String(mode.keyed), String(mode.retry), String(warmup), String(requests)], env);
      // Calls of the warm-up and the measured window, per request (a retry pair counts as one).
      const dynamodb = Object.fromEntries([...proxy.counts].filter(([op]) => op !== 'DescribeTable').map(([op, n]) => [op, n / (warmup + requests)]));
      results.push({ name: mode.name, medianMs: measured.medianMs, p99Ms: measured.p99Ms, cpuUs: measured.cpuUsPerPair, dynamodb });
      log(`  ${mode.name}: median ${measured.medianMs.toFixed(2)} ms, ${Math.round(measured.cpuUsPerPair)} us CPU, DynamoDB ${JSON.stringify(dynamodb)}`);
    } finally {
      proxy.close();
    }
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { state } = await up();
  const info = describe(state);
  if (!info.dynamodb) throw new Error('the local stack has no DynamoDB');
  const modes = await runPublishOnce(info.nameServer, info.dynamodb.endpoint, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`${JSON.stringify(modes, null, 2)}\n`);
  process.exit(0);
}
