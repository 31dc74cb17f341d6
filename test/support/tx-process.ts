// A transactional producer in a process of its own that dies (SIGKILL, no cleanup) at a chosen
// step, as a Lambda container can vanish at any point. Prints one JSON line before dying:
// the HalfMessage, so the test knows what to look for.
//   tsx test/support/tx-process.ts '{"die":"after-half"|"after-local"|"before-end"|"after-end", ...}'
import { TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { localClient } from '../../infra/local/dynamodb.ts';
import { createInternalProducer, DynamoDbTransactionLedger, Transactions } from '../../lib/internal.ts';

const args = JSON.parse(process.argv[2] ?? '{}') as {
  die: 'after-half' | 'after-local' | 'before-end' | 'after-end';
  nameServer: string;
  endpoint: string;
  table: string;
  scope: string;
  key: string;
  graceMs: number;
  leaseMs: number;
};
const client = localClient(args.endpoint);
const producer = createInternalProducer({ nameServers: [args.nameServer], producerGroup: 'tx-crash', logger: () => undefined });
await producer.start();
const ledger = new DynamoDbTransactionLedger({ tableName: args.table, client, scope: args.scope });
const transactions = new Transactions(producer, ledger, { graceMs: args.graceMs, leaseMs: args.leaseMs, owner: `process-${process.pid}` });
const die = (half: unknown) => {
  process.stdout.write(`${JSON.stringify(half)}\n`);
  process.kill(process.pid, 'SIGKILL');
};

const message = { topic: 'TopicTest', body: `crash ${args.die}`, keys: [args.key] };
if (args.die === 'after-half') {
  // The half message is stored and recorded; the local transaction never ran.
  die(await transactions.begin(message));
} else {
  await transactions.run(message, async (half, context) => {
    // The local transaction: an order row and the ledger's COMMIT, in one DynamoDB transaction.
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [{ Put: { TableName: args.table, Item: { pk: { S: `ORDER#${args.key}` }, sk: { S: 'ORDER' } } } }, context.commitItem],
      }),
    );
    if (args.die === 'after-local') die(half);
    if (args.die === 'before-end') {
      // Decided, lease taken and the end marked, then gone before END_TRANSACTION left.
      await ledger.claim(half.transactionId, transactions.owner, args.leaseMs);
      await ledger.markEnding(half.transactionId, transactions.owner);
      die(half);
    }
    if (args.die === 'after-end') {
      // The broker has the COMMIT; the ledger never heard that it went through.
      await ledger.claim(half.transactionId, transactions.owner, 1);
      await ledger.markEnding(half.transactionId, transactions.owner);
      await producer.endTransaction(half, 'COMMIT');
      die(half);
    }
    return 'COMMIT' as const;
  });
}
