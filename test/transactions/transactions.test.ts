// Transactions that survive a Lambda, on the real brokers and DynamoDB Local: the ledger, the local
// transaction made atomic with it, the resolver ending what nobody ended, real processes killed at
// every step, and two resolvers racing. What consumers see is read back from the brokers.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { localClient } from '../../infra/local/dynamodb.ts';
import { ensureTable } from '../../infra/table.ts';
import { createInternalProducer, DynamoDbTransactionLedger, RemotingClient, Transactions, type HalfMessage } from '../../lib/internal.ts';
import { decodeMessages, maxOffset, readQueue } from '../support/queue-reader.ts';
import { queryByKey } from '../support/read-back.ts';

const stack = inject('stack');
const endpoint = inject('dynamodbEndpoint');
const brokers = [stack.brokers['broker-a'].address, stack.brokers['broker-b'].address];
const client = localClient(endpoint);
const table = `tx-${process.pid}-${Date.now()}`;
const root = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);
const reader = new RemotingClient();
const producer = createInternalProducer({ nameServers: [stack.nameServer], producerGroup: 'tx-crash', logger: () => undefined });
let scopes = 0;
const keyOf = (name: string) => `${name}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  await ensureTable(client, table);
  await producer.start();
});
afterAll(async () => {
  await producer.shutdown();
  reader.shutdown();
  client.destroy();
});

function setup(options: ConstructorParameters<typeof Transactions>[2] = {}) {
  const scope = `tx-${++scopes}`;
  const ledger = new DynamoDbTransactionLedger({ tableName: table, client, scope });
  return { scope, ledger, transactions: new Transactions(producer, ledger, { graceMs: 200, ...options }) };
}

/** Every stored copy of `key` in TopicTest on both brokers. */
async function copies(key: string, waitMs = 5000): Promise<number> {
  await queryByKey(reader, brokers, 'TopicTest', key, { waitMs });
  let count = 0;
  for (const address of brokers) {
    const extFields = { topic: 'TopicTest', key, maxNum: '32', beginTimestamp: '0', endTimestamp: String(Date.now() + 60_000) };
    const response = await reader.invoke(address, { code: 12, extFields }, 3000);
    if (response.code === 0 && response.body)
      count += decodeMessages(response.body).filter((m) => (m.properties.get('KEYS') ?? '').split(' ').includes(key)).length;
  }
  return count;
}

/**
 * The half messages the broker still considers open. END_TRANSACTION (commit or rollback) leaves an
 * op message in RMQ_SYS_TRANS_OP_HALF_TOPIC whose body lists the ended halves' offsets in the half
 * topic (comma-separated when the broker batches them); a half without one is still checked back.
 */
async function openOnBroker(halves: HalfMessage[], waitMs = 10_000): Promise<HalfMessage[]> {
  const until = Date.now() + waitMs;
  for (;;) {
    const ended = new Set<string>();
    for (const brokerName of new Set(halves.map((h) => h.brokerName))) {
      const queue = { brokerName, address: stack.brokers[brokerName as 'broker-a' | 'broker-b'].address, queueId: 0 };
      const ops = await readQueue(reader, 'RMQ_SYS_TRANS_OP_HALF_TOPIC', queue, 0, await maxOffset(reader, 'RMQ_SYS_TRANS_OP_HALF_TOPIC', queue));
      for (const op of ops) for (const offset of op.body.toString().split(',')) if (offset) ended.add(`${brokerName}/${offset}`);
    }
    const open = halves.filter((h) => !ended.has(`${h.brokerName}/${h.tranStateTableOffset}`));
    if (open.length === 0 || Date.now() >= until) return open;
    await sleep(250);
  }
}

const orderExists = async (key: string) =>
  (await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: `ORDER#${key}` }, sk: { S: 'ORDER' } } }))).Item !== undefined;

describe('transactions with the ledger', () => {
  it('commits a message whose local transaction wrote its data and the decision in one DynamoDB transaction', async () => {
    const { transactions, ledger } = setup();
    const key = keyOf('atomic');

    const outcome = await transactions.run({ topic: 'TopicTest', body: 'order placed', keys: [key] }, async (_half, context) => {
      await client.send(
        new TransactWriteItemsCommand({
          TransactItems: [{ Put: { TableName: table, Item: { pk: { S: `ORDER#${key}` }, sk: { S: 'ORDER' } } } }, context.commitItem],
        }),
      );
      return 'COMMIT' as const;
    });

    expect([outcome.state, outcome.ended]).toEqual(['COMMIT', true]);
    expect(await copies(key)).toBe(1);
    expect((await ledger.get(outcome.half.transactionId))?.state).toBe('ENDED');
  });

  it('never delivers a message whose local transaction rolled back, and ends it', async () => {
    const { transactions, ledger } = setup();
    const key = keyOf('rolled-back');

    const outcome = await transactions.run({ topic: 'TopicTest', body: 'no order', keys: [key] }, async () => 'ROLLBACK');

    expect([outcome.state, outcome.ended]).toEqual(['ROLLBACK', true]);
    expect(await copies(key, 1500)).toBe(0);
    expect((await ledger.get(outcome.half.transactionId))?.endedAs).toBe('ROLLBACK');
    expect(await openOnBroker([outcome.half])).toEqual([]);
  });

  it('resolves an undecided transaction by asking checkLocalTransaction once it is due', async () => {
    const { transactions } = setup();
    const [withData, without] = [keyOf('check-commit'), keyOf('check-rollback')];
    const keys = new Map<string, string>();
    const first = await transactions.run({ topic: 'TopicTest', body: 'has data', keys: [withData] }, async () => {
      await client.send(
        new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: table, Item: { pk: { S: `ORDER#${withData}` }, sk: { S: 'ORDER' } } } }] }),
      );
      return 'UNKNOWN' as const;
    });
    const second = await transactions.run({ topic: 'TopicTest', body: 'has none', keys: [without] }, async () => 'UNKNOWN');
    keys.set(first.half.transactionId, withData).set(second.half.transactionId, without);
    await sleep(250);

    const summary = await transactions.resolve({
      checkLocalTransaction: async (half: HalfMessage) => ((await orderExists(keys.get(half.transactionId)!)) ? 'COMMIT' : 'ROLLBACK'),
    });

    expect(summary).toMatchObject({ due: 2, committed: 1, rolledBack: 1, errors: 0, oldestPendingMs: 0 });
    expect(await copies(withData)).toBe(1);
    expect(await copies(without, 1000)).toBe(0);
  });

  it('applies onTimeout to what nobody decided and nobody can be asked about', async () => {
    const { transactions } = setup({ onTimeout: 'ROLLBACK' });
    const key = keyOf('timeout');
    const half = await transactions.begin({ topic: 'TopicTest', body: 'forgotten', keys: [key] });
    await sleep(250);

    const summary = await transactions.resolve();

    expect(summary).toMatchObject({ due: 1, rolledBack: 1, expired: 1 });
    expect(await copies(key, 1000)).toBe(0);
    expect(await openOnBroker([half])).toEqual([]);
  });
});

describe('a transactional producer killed at every step, then the resolver', () => {
  const crash = async (die: string, scope: string, key: string) => {
    const args = { die, nameServer: stack.nameServer, endpoint, table, scope, key, graceMs: 200, leaseMs: 2000 };
    const child = await run(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'test/support/tx-process.ts', JSON.stringify(args)], {
      cwd: root,
      timeout: 60_000,
    }).catch((err: { stdout?: string; signal?: string; code?: number }) => err);
    // tsx runs the script in a child of its own: the SIGKILL shows as that child's 137 or as the signal.
    const died = child as { signal?: string | null; code?: number };
    expect(died.signal === 'SIGKILL' || died.code === 137).toBe(true);
    return JSON.parse(String(child.stdout).trim().split('\n').pop()!) as HalfMessage;
  };

  it('ends each transaction as its local transaction decided, once, with no listener process', async () => {
    const { transactions, scope, ledger } = setup();
    const keys = { 'after-half': keyOf('after-half'), 'after-local': keyOf('after-local'), 'before-end': keyOf('before-end'), 'after-end': keyOf('after-end') };
    const halves: Record<string, HalfMessage> = {};
    for (const [die, key] of Object.entries(keys)) halves[die] = await crash(die, scope, key);
    await sleep(2500); // the dead process's leases (2 s here, 30 s by default) run out, as a crashed container's would

    const summary = await transactions.resolve();

    expect(summary.failures).toEqual([]);
    // Killed after the half message, before its local transaction: nothing happened, rolled back.
    expect([await copies(keys['after-half'], 1000), await orderExists(keys['after-half'])]).toEqual([0, false]);
    // Killed after the local transaction committed (with the decision): committed.
    expect([await copies(keys['after-local']), await orderExists(keys['after-local'])]).toEqual([1, true]);
    // Killed after marking the end, before END_TRANSACTION left: committed, once.
    expect(await copies(keys['before-end'])).toBe(1);
    // Killed after the broker had the COMMIT: found delivered, not committed a second time.
    expect(await copies(keys['after-end'])).toBe(1);
    for (const half of Object.values(halves)) expect((await ledger.get(half.transactionId))?.state).toBe('ENDED');
    expect(summary.oldestPendingMs).toBe(0);
    // Nothing left for the broker to check back.
    expect(await openOnBroker(Object.values(halves))).toEqual([]);
  }, 120_000);
});

describe('two resolvers racing', () => {
  it('end each transaction once, with the same outcome', async () => {
    const { transactions, scope } = setup();
    const keys = Array.from({ length: 6 }, (_, i) => keyOf(`race-${i}`));
    const halves: HalfMessage[] = [];
    for (const [i, key] of keys.entries()) {
      const half = await transactions.begin({ topic: 'TopicTest', body: `race ${i}`, keys: [key] });
      halves.push(half);
      await transactions.ledger.decide(half, i % 2 === 0 ? 'COMMIT' : 'ROLLBACK');
    }
    await sleep(250);
    const resolver = (id: string) =>
      run(
        process.execPath,
        [
          join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
          'test/support/tx-resolver.ts',
          JSON.stringify({ nameServer: stack.nameServer, endpoint, table, scope, owner: id }),
        ],
        {
          cwd: root,
          timeout: 60_000,
        },
      );

    const [a, b] = await Promise.all([resolver('resolver-a'), resolver('resolver-b')]);

    const summaries = [JSON.parse(a.stdout.trim().split('\n').pop()!), JSON.parse(b.stdout.trim().split('\n').pop()!)];
    expect(summaries[0].committed + summaries[1].committed).toBe(3);
    expect(summaries[0].rolledBack + summaries[1].rolledBack).toBe(3);
    for (const [i, key] of keys.entries()) expect(await copies(key, i % 2 === 0 ? 5000 : 1000)).toBe(i % 2 === 0 ? 1 : 0);
    expect(await openOnBroker(halves)).toEqual([]);
  }, 120_000);
});
