// `npm start`: the product on its embedded defaults. For now it brings up the real local RocketMQ
// (or uses NAMESRV_ADDR when set) and embedded DynamoDB (dynalite), prints their addresses, and
// stops what it started on Ctrl-C. The publish functions will be served from here as they land.
import { DYNALITE_PORT } from './config.ts';
import { StackError } from './errors.ts';
import { startDynalite } from './dynamodb.ts';
import { describe, down, up } from './stack.ts';

async function main(): Promise<void> {
  const external = process.env.NAMESRV_ADDR;
  let ownsStack = false;
  let nameServer = external;
  let brokers: unknown;
  if (!external) {
    const { state, reused } = await up({ dynamodb: false });
    ownsStack = !reused;
    const info = describe(state);
    nameServer = info.nameServer;
    brokers = info.brokers;
  }
  const dynamodb = await startDynalite(DYNALITE_PORT);
  process.stdout.write(
    `${JSON.stringify({ nameServer, brokers, dynamodb: { endpoint: dynamodb.endpoint, kind: 'dynalite' } }, null, 2)}\n`,
  );
  process.stderr.write('Ready. Press Ctrl-C to stop.\n');

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('Stopping...\n');
    await dynamodb.close();
    if (ownsStack) await down();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof StackError ? err.message : (err as Error).stack}\n`);
  process.exit(1);
});
