// `npm start`: the product on its embedded defaults. Starts the real local RocketMQ (or uses
// NAMESRV_ADDR when set) and embedded DynamoDB (dynalite), and serves the real function handlers
// on http://localhost:3000 (PORT) as AWS would invoke them. Ctrl-C stops everything it started.
import type { AddressInfo } from 'node:net';
import { StackError } from './errors.ts';
import { createLocalServer } from './server.ts';
import type { StackInfo } from './stack.ts';
import { startupSummary } from './startup.ts';
import { ensureTable } from '../table.ts';

const STATE_TABLE = 'rocketmq-lambda-state';

let ownsStack = false;

/** Where the start-up time went: every part of the stack when this run started it, dynalite always. */
function startupLine(stack: StackInfo | undefined, dynaliteMs: number): string {
  const own = { dynalite: dynaliteMs, total: dynaliteMs };
  if (!stack) return `RocketMQ from NAMESRV_ADDR; up in ${startupSummary(own)}`;
  if (!ownsStack) return `Reusing the local stack running in ${stack.dir}; up in ${startupSummary(own)}`;
  const total = (stack.startupMs.total ?? 0) + dynaliteMs;
  return `Local stack up in ${startupSummary({ ...stack.startupMs, ...own, total })}`;
}

async function main(): Promise<void> {
  // Loaded here rather than at the top: config.ts refuses a bad STACK_PORT_OFFSET as it loads, and
  // the refusal should print as one sentence like every other StackError.
  const [{ DYNALITE_PORT }, { LOCAL_CREDENTIALS, LOCAL_REGION, localClient, startDynalite }, stackScripts] = await Promise.all([
    import('./config.ts'),
    import('./dynamodb.ts'),
    import('./stack.ts'),
  ]);
  const { describe, down, forgetDynalite, recordDynalite, up } = stackScripts;
  let nameServer = process.env.NAMESRV_ADDR;
  let stack: StackInfo | undefined;
  if (!nameServer) {
    const { state, reused } = await up({ dynamodb: false });
    ownsStack = !reused;
    stack = describe(state);
    nameServer = stack.nameServer;
  }
  const dynaliteBegun = Date.now();
  const dynamodb = await startDynalite(Number(process.env.DYNALITE_PORT ?? DYNALITE_PORT));
  const client = localClient(dynamodb.endpoint);
  await ensureTable(client, STATE_TABLE);
  client.destroy();
  const dynaliteMs = Date.now() - dynaliteBegun;

  // What a deployment sets from serverless.yml; set before the handlers are loaded.
  const defaults: Record<string, string> = {
    NAMESRV_ADDR: nameServer,
    PRODUCER_GROUP: 'local-publisher',
    STATE_TABLE,
    TARGET_TOPIC: 'TopicTest',
    // Locally any topic that is not reserved; a deployment lists its own (serverless.yml).
    ALLOWED_TOPICS: '*',
    REFRESH_TOPICS: 'TopicTest',
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
  for (const [name, value] of Object.entries(defaults)) process.env[name] ??= value;
  process.env.NAMESRV_ADDR = nameServer;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamodb.endpoint;

  const [{ handler: publish }, { handler: bridge }, { handler: refresh }, { sharedEngine }] = await Promise.all([
    import('../../functions/publish/index.ts'),
    import('../../functions/sqs-bridge/index.ts'),
    import('../../functions/route-refresh/index.ts'),
    import('../../lib/lambda/with-producer.ts'),
  ]);
  const server = createLocalServer({
    publish: publish as never,
    bridge: bridge as never,
    refresh: refresh as never,
  });
  await new Promise<void>((resolve) => server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', resolve));
  const base = `http://localhost:${(server.address() as AddressInfo).port}`;

  if (stack) recordDynalite(dynamodb.endpoint); // so `stack:status` shows it

  const label = (text: string) => text.padEnd(22);
  const brokers = Object.entries(stack?.brokers ?? {}).map(([name, b]) => `${label(`RocketMQ ${name}`)}${b.address}`);
  process.stdout.write(
    [
      startupLine(stack, dynaliteMs),
      '',
      `${label('RocketMQ name server')}${nameServer}`,
      ...brokers,
      `${label('DynamoDB (dynalite)')}${dynamodb.endpoint}  table ${STATE_TABLE}`,
      `${label('Publish API')}${base}`,
      '',
      'Try:',
      `  curl -s -X POST ${base}/topics/TopicTest/messages -H 'content-type: application/json' \\`,
      `    -d '{"body":"hello","tags":"demo","keys":["order-1"]}'`,
      `  curl -s -X POST ${base}/_local/sqs -H 'content-type: application/json' \\`,
      `    -d '{"messages":[{"body":"from sqs","attributes":{"topic":"TopicTest"}}]}'`,
      `  curl -s -X POST ${base}/_local/refresh`,
      '',
    ].join('\n'),
  );
  process.stderr.write('Ready. Press Ctrl-C to stop.\n');

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('Stopping...\n');
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await sharedEngine().close();
    await dynamodb.close();
    forgetDynalite();
    if (ownsStack) await down();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch(async (err: unknown) => {
  process.stderr.write(`${err instanceof StackError ? err.message : (err as Error).stack}\n`);
  if (ownsStack) await (await import('./stack.ts')).down(); // nothing left running after a failed start
  process.exit(1);
});
