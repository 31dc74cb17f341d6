// The resolver down for longer than the broker's check window. The broker checks a half message
// back at most transactionCheckMax times, then discards it into TRANS_CHECK_MAX_TIME_TOPIC; the
// half message stays in the commit log (fileReservedTime, 72 h), and the ledger keeps the decision
// for a day. Does a resolver that comes back afterwards still end it as decided? On the real
// broker, with the window shrunk at runtime (UPDATE_BROKER_CONFIG) from 15 checks 30 s apart to one
// check after 1 s, and put back afterwards. Here, in the faults project, because nothing else may
// run against the broker while its transaction settings are changed.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureLocalTable, localClient } from '../../infra/local/dynamodb.ts';
import { createInternalProducer, DynamoDbTransactionLedger, RemotingClient, RequestCode, Transactions, type HalfMessage } from '../../lib/internal.ts';
import { queryByKey } from '../support/read-back.ts';

const stack = inject('stack');
const endpoint = inject('dynamodbEndpoint');
const table = `tx-window-${process.pid}`;
const client = localClient(endpoint);
const reader = new RemotingClient();
const producer = createInternalProducer({ nameServers: [stack.nameServer], producerGroup: 'tx-window', logger: () => undefined });
const brokers = [stack.brokers['broker-a'].address, stack.brokers['broker-b'].address];
const addressOf = (half: HalfMessage) => stack.brokers[half.brokerName as 'broker-a' | 'broker-b'].address;
/** RequestCode.UPDATE_BROKER_CONFIG: an admin request, not something the producer sends. */
const UPDATE_BROKER_CONFIG = 25;
const DEFAULTS = 'transactionCheckMax=15\ntransactionCheckInterval=30000\ntransactionTimeOut=6000\n';
const SHRUNK = 'transactionCheckMax=1\ntransactionCheckInterval=1000\ntransactionTimeOut=1000\n';

async function brokerConfig(address: string, properties: string): Promise<void> {
  const response = await reader.invoke(address, { code: UPDATE_BROKER_CONFIG, extFields: {}, body: Buffer.from(properties) }, 3000);
  if (response.code !== 0) throw new Error(`UPDATE_BROKER_CONFIG on ${address}: ${response.code} ${response.remark ?? ''}`);
}

/** Waits until the broker has given up on every half message (each stored in TRANS_CHECK_MAX_TIME_TOPIC). */
async function discarded(halves: { half: HalfMessage; key: string }[], waitMs = 90_000): Promise<void> {
  const until = Date.now() + waitMs;
  for (const { half, key } of halves) {
    for (;;) {
      const extFields = { topic: 'TRANS_CHECK_MAX_TIME_TOPIC', key, maxNum: '32', beginTimestamp: '0', endTimestamp: String(Date.now() + 60_000) };
      const response = await reader.invoke(addressOf(half), { code: RequestCode.QUERY_MESSAGE, extFields }, 3000);
      if (response.code === 0 && response.body?.length) break;
      if (Date.now() >= until) throw new Error(`the broker never discarded ${key}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

beforeAll(async () => {
  await ensureLocalTable(endpoint, table);
  await producer.start();
});
afterAll(async () => {
  for (const address of brokers) await brokerConfig(address, DEFAULTS);
  await producer.shutdown();
  reader.shutdown();
  client.destroy();
});

describe('a resolver that was down past the broker check window', () => {
  it('still commits what was decided and rolls back what was not, once the broker gave up on them', async () => {
    const ledger = new DynamoDbTransactionLedger({ tableName: table, client, scope: 'window' });
    const transactions = new Transactions(producer, ledger, { graceMs: 0, onTimeout: 'ROLLBACK' });
    const tag = Date.now().toString(36);
    const decided = { key: `window-commit-${tag}`, half: await transactions.begin({ topic: 'TopicTest', body: 'decided', keys: [`window-commit-${tag}`] }) };
    const undecided = { key: `window-open-${tag}`, half: await transactions.begin({ topic: 'TopicTest', body: 'undecided', keys: [`window-open-${tag}`] }) };
    await ledger.decide(decided.half, 'COMMIT'); // the process died before it ended the transaction
    for (const address of brokers) await brokerConfig(address, SHRUNK);
    await discarded([decided, undecided]);
    for (const address of brokers) await brokerConfig(address, DEFAULTS);

    const summary = await transactions.resolve();

    expect(summary).toMatchObject({ committed: 1, rolledBack: 1, errors: 0 });
    expect((await queryByKey(reader, brokers, 'TopicTest', decided.key, { waitMs: 5000 }))?.body.toString()).toBe('decided');
    expect(await queryByKey(reader, brokers, 'TopicTest', undecided.key, { waitMs: 1500 })).toBeUndefined();
  }, 150_000);
});
