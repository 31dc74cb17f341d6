// `npm start`: the product on its embedded defaults. Starts the real local RocketMQ (or uses
// NAMESRV_ADDR when set) and embedded DynamoDB (dynalite), and serves the real function handlers
// on http://localhost:3000 (PORT) as AWS would invoke them. Ctrl-C stops everything it started.
// MANAGED_INSTANCES=on (or <workers>x<invocations>, e.g. 2x64) runs each function as Lambda
// Managed Instances do: worker threads, many invocations at once in each, sharing its producer.
import type { AddressInfo } from 'node:net';
import { StackError } from './errors.ts';
import type { Context } from 'aws-lambda';
import { readManagedInstances, type ManagedInstancesShape } from './managed-instances/shape.ts';
import { createLocalServer, type LocalHandlers } from './server.ts';
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

interface LocalFunctions {
  handlers: LocalHandlers;
  close(): Promise<void>;
}

/** Today's model: the handlers in this process, one warm producer, invocations one at a time. */
async function inProcessFunctions(): Promise<LocalFunctions> {
  const [{ handler: publish }, { handler: bridge }, { handler: refresh }, { sharedEngine }] = await Promise.all([
    import('../../functions/publish/index.ts'),
    import('../../functions/sqs-bridge/index.ts'),
    import('../../functions/route-refresh/index.ts'),
    import('../../lib/lambda/with-producer.ts'),
  ]);
  return { handlers: { publish: publish as never, bridge: bridge as never, refresh: refresh as never }, close: () => sharedEngine().close() };
}

/** Each function in its own managed-instances environment: worker threads, many invocations at once in each. */
async function managedInstancesFunctions(shape: ManagedInstancesShape): Promise<LocalFunctions> {
  const { ManagedInstancesEnvironment } = await import('./managed-instances/environment.ts');
  const start = (name: string) =>
    ManagedInstancesEnvironment.start({
      module: new URL(`../../functions/${name}/index.ts`, import.meta.url).pathname,
      functionName: name,
      env: process.env,
      ...shape,
    });
  const [publish, bridge, refresh] = await Promise.all([start('publish'), start('sqs-bridge'), start('route-refresh')]);
  const through =
    (environment: Awaited<ReturnType<typeof start>>) =>
    async (event: unknown, context: Context): Promise<never> => {
      const invoked = await environment.invoke(event, { requestId: context.awsRequestId });
      if (invoked.error) throw new Error(`${invoked.error.name}: ${invoked.error.message}`);
      return invoked.result as never;
    };
  return {
    handlers: { publish: through(publish), bridge: through(bridge), refresh: through(refresh) },
    close: async () => {
      await Promise.all([publish.close(), bridge.close(), refresh.close()]);
    },
  };
}

async function main(): Promise<void> {
  // Checked before anything starts: a bad value is one sentence, not a stack started for nothing.
  const managed = readManagedInstances(process.env.MANAGED_INSTANCES);
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

  const functions = managed ? await managedInstancesFunctions(managed) : await inProcessFunctions();
  const server = createLocalServer(functions.handlers);
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
      `${label('Functions run')}${managed ? `as on Lambda Managed Instances: ${managed.workers} worker threads x ${managed.maxConcurrency} invocations each` : 'one invocation at a time, in this process'}`,
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
    await functions.close();
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
