// Shared state across real processes, with real services taken away: a frozen broker, a frozen
// name server, a frozen DynamoDB Local.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { localClient } from '../../infra/local/dynamodb.ts';
import { brokerControl, serviceControl } from '../../infra/local/stack.ts';
import { ensureTable } from '../../infra/table.ts';
import { createInternalProducer } from '../../lib/internal.ts';
import { DynamoDbSharedState, createStateClient } from '../../lib/internal.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/dynamodb.ts';

const stack = inject('stack');
const endpoint = inject('dynamodbEndpoint');
const client = localClient(endpoint);
const table = `faults-${process.pid}-${Date.now()}`;
const root = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

async function inProcess(args: object): Promise<Record<string, unknown>> {
  const { stdout } = await run(
    process.execPath,
    [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'test/support/state-process.ts', JSON.stringify(args)],
    { cwd: root, timeout: 60_000 },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

beforeAll(() => ensureTable(client, table));
afterAll(() => {
  brokerControl.thaw('broker-a');
  serviceControl.thaw('nameServer');
  if (stack.dynamodb) serviceControl.thaw('dynamodb');
  client.destroy();
});

describe('shared state across processes', () => {
  it('process B starts cold and avoids broker-a, which process A saw fail, without connecting to it', async () => {
    const common = { nameServer: stack.nameServer, endpoint, table, scope: 'cross-process' };

    brokerControl.freeze('broker-a');
    const a = await inProcess({ ...common, mode: 'isolate' }).finally(() => brokerControl.thaw('broker-a'));
    const b = await inProcess({ ...common, mode: 'send', count: 12 });

    expect(a.errorCode).toBe(10002);
    expect(a.isolatedForMs).toBeGreaterThan(590_000);
    expect(b.brokers).toEqual(Array(12).fill('broker-b'));
    expect(b.addresses).not.toContain(stack.brokers['broker-a'].address);
    expect(b.isolationsLearned).toBe(1);
  });

  it('process B sends with the route process A stored while the name server is frozen', async () => {
    const common = { nameServer: stack.nameServer, endpoint, table, scope: 'route-process' };
    await inProcess({ ...common, mode: 'send', count: 1 });

    serviceControl.freeze('nameServer');
    const b = await inProcess({ ...common, mode: 'send', count: 5 }).finally(() => serviceControl.thaw('nameServer'));

    expect((b.brokers as string[]).length).toBe(5);
    expect(b.nameServerLookups).toBe(0);
  });
});

describe('DynamoDB Local frozen in the middle of a run', () => {
  // Only against the stack's own DynamoDB Local, the one process this test can freeze.
  it.skipIf(!stack.dynamodb)('keeps sends succeeding, reports one degraded episode, and writes what it kept once DynamoDB is back', async () => {
    const lines: Record<string, unknown>[] = [];
    const stateClient = createStateClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const producer = createInternalProducer({
      nameServers: [stack.nameServer],
      producerGroup: 'frozen-dynamodb',
      sharedState: new DynamoDbSharedState({ tableName: table, client: stateClient, scope: 'frozen' }),
      sharedStateRefreshInterval: 100,
      logger: (l) => lines.push(l),
    });
    await producer.start();
    await producer.send({ topic: 'TopicTest', body: 'before' });
    await producer.flush();

    serviceControl.freeze('dynamodb');
    const during = [];
    for (let i = 0; i < 5; i++) {
      during.push(await producer.send({ topic: 'TopicTest', body: `during ${i}` }));
      await new Promise((r) => setTimeout(r, 150));
    }
    producer.faults!.update('broker-x', 0, true); // a fault seen while the table is away
    await producer.flush();
    const degradedWhileFrozen = producer.sync!.degraded;
    serviceControl.thaw('dynamodb');
    await new Promise((r) => setTimeout(r, 150));
    await producer.send({ topic: 'TopicTest', body: 'after' });
    await producer.flush();
    await producer.shutdown();
    stateClient.destroy();

    expect(during.every((r) => r.status === 'SEND_OK')).toBe(true);
    expect(degradedWhileFrozen).toBe(true);
    expect(producer.sync!.degraded).toBe(false);
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    const stored = await new DynamoDbSharedState({ tableName: table, client, scope: 'frozen' }).loadFaults();
    expect(stored.map((f) => f.brokerName)).toContain('broker-x');
  });
});
