// The resolver in a process of its own, for the race between two of them. Prints its summary.
//   tsx test/support/tx-resolver.ts '{"owner":"resolver-a", ...}'
import { localClient } from '../../infra/local/dynamodb.ts';
import { createInternalProducer, DynamoDbTransactionLedger, Transactions } from '../../lib/internal.ts';

const args = JSON.parse(process.argv[2] ?? '{}') as { nameServer: string; endpoint: string; table: string; scope: string; owner: string };
const client = localClient(args.endpoint);
const producer = createInternalProducer({ nameServers: [args.nameServer], producerGroup: 'tx-crash', logger: () => undefined });
await producer.start();
const transactions = new Transactions(producer, new DynamoDbTransactionLedger({ tableName: args.table, client, scope: args.scope }), { owner: args.owner });
const summary = await transactions.resolve();
process.stdout.write(`${JSON.stringify(summary)}\n`);
await producer.shutdown();
client.destroy();
