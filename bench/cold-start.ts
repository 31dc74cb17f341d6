// Cold start: artifact sizes with and without the AWS SDK bundled (and what the loaded code is made
// of), time to import the bundled handler in a fresh Node process, the init phase (import plus
// prepareInInit: producer started, routes fetched, brokers connected), and the first invocation
// after it against a warm one; also process start to the first SendResult with routes and fault
// state from DynamoDB versus from the name server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFunctions, type ArtifactReport } from '../infra/build.ts';
import { localClient, LOCAL_CREDENTIALS } from '../infra/local/dynamodb.ts';
import { ensureTable } from '../infra/table.ts';
import { DynamoDbSharedState } from '../lib/state/dynamodb-state.ts';
import { createProducer } from '../lib/index.ts';
import { type FirstInvocationRow, runFirstInvocation } from './first-invocation.ts';
import { median, ROOT, runJson } from './util.ts';

export interface ColdStartResult {
  bundled: ArtifactReport[];
  externalSdk: ArtifactReport[];
  importMs: number;
  /** Import with the init phase's work (AWS_LAMBDA_FUNCTION_NAME set). */
  initMs: number;
  /** The first invocation after that init, and a warm one (median of 20), in the same process. */
  firstInvocationMs: number;
  warmInvocationMs: number;
  /** The init phase and first invocation of a deployment with a state table (SDK, state and routes from DynamoDB). */
  initWithStateMs: number;
  firstInvocationWithStateMs: number;
  /** The invocation after the first: the code is compiled but not yet optimized. */
  secondInvocationMs: number;
  /** Diagnosis: init and first invocation with V8 compiling every function at load (--no-lazy). */
  eagerInitMs: number;
  eagerFirstInvocationMs: number;
  /** The first invocation when the init phase did nothing (outside Lambda, or before this version). */
  firstInvocationWithoutInitMs: number;
  firstSendFromNameServerMs: number;
  firstSendFromDynamoDbMs: number;
  runs: number;
  /** Node 22 and 24, each way tried of making the first invocation a warm one (absent in older results). */
  firstInvocation?: FirstInvocationRow[];
}

const RUNS = 5;

function invocationScript(bundle: string): string {
  return `
    const t0 = performance.now();
    const { handler } = await import(${JSON.stringify(bundle)});
    const initMs = performance.now() - t0;
    const event = { version: '2.0', rawPath: '/topics/TopicTest/messages', headers: { 'content-type': 'application/json' },
      requestContext: { http: { method: 'POST', path: '/topics/TopicTest/messages' } }, body: '{"body":"cold"}', isBase64Encoded: false };
    const context = { awsRequestId: 'cold', getRemainingTimeInMillis: () => 10000 };
    const timed = async () => { const t = performance.now(); const r = await handler(event, context); if (r.statusCode !== 200) throw new Error(r.body); return performance.now() - t; };
    const firstMs = await timed();
    const secondMs = await timed();
    const warm = [];
    for (let i = 0; i < 20; i++) warm.push(await timed());
    warm.sort((a, b) => a - b);
    console.log(JSON.stringify({ initMs, firstMs, secondMs, warmMs: warm[10] }));
    process.exit(0);`;
}

function firstSendScript(bundle: string): string {
  return `
    const { handler } = await import(${JSON.stringify(bundle)});
    const event = { version: '2.0', rawPath: '/topics/TopicTest/messages', headers: { 'content-type': 'application/json' },
      requestContext: { http: { method: 'POST', path: '/topics/TopicTest/messages' } }, body: '{"body":"cold"}', isBase64Encoded: false };
    const response = await handler(event, { awsRequestId: 'cold', getRemainingTimeInMillis: () => 10000 });
    const ms = performance.now();
    console.log(JSON.stringify({ status: response.statusCode, ms }));
    process.exit(0);`;
}

export async function runColdStart(nameServer: string, dynamodbEndpoint: string | undefined, log: (line: string) => void = () => {}): Promise<ColdStartResult> {
  const out = mkdtempSync(join(tmpdir(), 'bench-cold-'));
  try {
    const bundled = await buildFunctions({ src: join(ROOT, 'functions'), out: join(out, 'bundled') });
    const externalSdk = await buildFunctions({ src: join(ROOT, 'functions'), out: join(out, 'external'), externalSdk: true });
    const bundle = join(out, 'bundled', 'publish', 'index.mjs');
    const env = {
      PATH: process.env.PATH,
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'CRITICAL',
      NAMESRV_ADDR: nameServer,
      PRODUCER_GROUP: 'bench-cold',
    };

    const imports: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const script = `const t = performance.now(); await import(${JSON.stringify(bundle)}); console.log(JSON.stringify({ ms: performance.now() - t })); process.exit(0);`;
      imports.push((await runJson<{ ms: number }>(process.execPath, ['--input-type=module', '-e', script], { env })).ms);
    }

    // In Lambda (the runtime sets AWS_LAMBDA_FUNCTION_NAME) the init phase prepares the producer.
    const lambdaEnv = { ...env, ALLOWED_TOPICS: 'TopicTest', AWS_LAMBDA_FUNCTION_NAME: 'bench-publish' };
    type Invocations = { initMs: number; firstMs: number; secondMs: number; warmMs: number };
    const withInit: Invocations[] = [];
    const withoutInit: Invocations[] = [];
    const eager: Invocations[] = [];
    for (let i = 0; i < RUNS; i++) {
      withInit.push(await runJson(process.execPath, ['--input-type=module', '-e', invocationScript(bundle)], { env: lambdaEnv }));
      // What lazy compilation costs the first invocation: the same with every function compiled at load.
      eager.push(await runJson(process.execPath, ['--no-lazy', '--input-type=module', '-e', invocationScript(bundle)], { env: lambdaEnv }));
      withoutInit.push(
        await runJson(process.execPath, ['--input-type=module', '-e', invocationScript(bundle)], { env: { ...env, ALLOWED_TOPICS: 'TopicTest' } }),
      );
    }

    const firstInvocation = await runFirstInvocation(bundle, lambdaEnv, log);

    const fromNameServer: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      fromNameServer.push((await runJson<{ ms: number }>(process.execPath, ['--input-type=module', '-e', firstSendScript(bundle)], { env })).ms);
    }

    const fromDynamoDb: number[] = [];
    const withState: Invocations[] = [];
    if (dynamodbEndpoint) {
      const table = `bench-cold-${Date.now()}`;
      const client = localClient(dynamodbEndpoint);
      await ensureTable(client, table);
      // A container has run before: the table holds the route, so a cold one needs no name server.
      const warm = createProducer({
        nameServers: nameServer,
        producerGroup: 'bench-cold',
        sharedState: new DynamoDbSharedState({ tableName: table, client, scope: 'bench' }),
      });
      await warm.start();
      await warm.send({ topic: 'TopicTest', body: 'seed' });
      await warm.shutdown();
      client.destroy();
      const stateEnv = {
        ...env,
        STATE_TABLE: table,
        STATE_SCOPE: 'bench',
        AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      };
      for (let i = 0; i < RUNS; i++) {
        fromDynamoDb.push((await runJson<{ ms: number }>(process.execPath, ['--input-type=module', '-e', firstSendScript(bundle)], { env: stateEnv })).ms);
        withState.push(
          await runJson(process.execPath, ['--input-type=module', '-e', invocationScript(bundle)], {
            env: { ...stateEnv, ALLOWED_TOPICS: 'TopicTest', AWS_LAMBDA_FUNCTION_NAME: 'bench-publish' },
          }),
        );
      }
    }
    return {
      bundled,
      externalSdk,
      importMs: median(imports),
      initMs: median(withInit.map((r) => r.initMs)),
      firstInvocationMs: median(withInit.map((r) => r.firstMs)),
      warmInvocationMs: median(withInit.map((r) => r.warmMs)),
      secondInvocationMs: median(withInit.map((r) => r.secondMs)),
      eagerInitMs: median(eager.map((r) => r.initMs)),
      eagerFirstInvocationMs: median(eager.map((r) => r.firstMs)),
      firstInvocationWithoutInitMs: median(withoutInit.map((r) => r.firstMs)),
      initWithStateMs: withState.length ? median(withState.map((r) => r.initMs)) : Number.NaN,
      firstInvocationWithStateMs: withState.length ? median(withState.map((r) => r.firstMs)) : Number.NaN,
      firstSendFromNameServerMs: median(fromNameServer),
      firstSendFromDynamoDbMs: fromDynamoDb.length ? median(fromDynamoDb) : Number.NaN,
      runs: RUNS,
      firstInvocation,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
