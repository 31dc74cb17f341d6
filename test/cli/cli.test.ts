// The operator CLI run as a user runs it: a child process with the deployment's environment,
// against the real brokers and DynamoDB Local. Output read as a person would (tables) and as a
// script would (--json and exit codes).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureLocalTable, localAwsEnv, localClient } from '../../infra/local/dynamodb.ts';
import { createInternalProducer, DynamoDbSharedState, DynamoDbTransactionLedger, RemotingClient, Transactions } from '../../lib/internal.ts';
import { queryByKey } from '../support/read-back.ts';

const stack = inject('stack');
const endpoint = inject('dynamodbEndpoint');
const root = join(import.meta.dirname, '..', '..');
const table = `cli-${process.pid}`;
const scope = `cli-${Date.now()}`;
const client = localClient(endpoint);
const reader = new RemotingClient();
const brokers = [stack.brokers['broker-a'].address, stack.brokers['broker-b'].address];
const env = { ...localAwsEnv(endpoint), NAMESRV_ADDR: stack.nameServer, STATE_TABLE: table, STATE_SCOPE: scope, PATH: process.env.PATH ?? '' };

function cli(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'lib', 'cli', 'main.ts'), ...args], {
      env: options.env ?? env,
      cwd: root,
    });
    let [stdout, stderr] = ['', ''];
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

beforeAll(() => ensureLocalTable(endpoint, table));
afterAll(() => {
  reader.shutdown();
  client.destroy();
});

describe('rocketmq-lambda CLI', () => {
  it('explains itself and exits 2 when called wrong', async () => {
    const [help, unknown, noTopic, badOption] = await Promise.all([cli(['--help']), cli(['frobnicate']), cli(['send']), cli(['routes', 'T', '--colour'])]);

    expect(help.code).toBe(0);
    for (const command of ['routes', 'isolation', 'send', 'transactions']) expect(help.stdout).toContain(command);
    expect([unknown.code, noTopic.code, badOption.code]).toEqual([2, 2, 2]);
    expect(noTopic.stderr).toContain('usage: rocketmq-lambda send <topic>');
    expect(badOption.stderr).toContain("Unknown option '--colour'");
  });

  it('names the missing setting, exit 2', async () => {
    const { code, stderr } = await cli(['send', 'TopicTest', 'x'], { env: { PATH: env.PATH } });

    expect(code).toBe(2);
    expect(stderr).toContain('NAMESRV_ADDR');
  });

  it('sends a message with tags, keys and properties, prints its SendResult, and it reads back', async () => {
    const key = `cli-send-${Date.now()}`;

    const { code, stdout } = await cli(['send', 'TopicTest', 'from the CLI', '--tags', 'ops', '--keys', key, '--property', 'origin=cli', '--json']);

    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.status).toBe('SEND_OK');
    const stored = await queryByKey(reader, brokers, 'TopicTest', key);
    expect([stored?.body.toString(), stored?.properties.get('TAGS'), stored?.properties.get('origin')]).toEqual(['from the CLI', 'ops', 'cli']);
    expect(stored?.properties.get('UNIQ_KEY')).toBe(result.msgId);
  });

  it('sends a timer message, prints how to recall it, and recalls it', async () => {
    const sent = await cli(['send', 'TopicTest', 'recall me', '--delay-seconds', '60']);
    const handle = /recall TopicTest (\S+)/.exec(sent.stdout)?.[1];

    const recalled = await cli(['recall', 'TopicTest', handle ?? 'missing', '--json']);
    const refused = await cli(['send', 'TopicTest', 'x', '--priority', 'high']);

    expect(sent.code).toBe(0);
    expect(handle).toMatch(/^[A-Za-z0-9_-]+=*$/);
    expect([recalled.code, JSON.parse(recalled.stdout).msgId]).toEqual([0, expect.stringMatching(/^[0-9A-F]{32}$/)]);
    expect([refused.code, refused.stderr]).toEqual([2, expect.stringContaining('--priority high: expected a whole number')]);
  });

  it('reads the body from stdin and prints a table', async () => {
    const key = `cli-stdin-${Date.now()}`;

    const { code, stdout } = await cli(['send', 'TopicTest', '--keys', key], { stdin: 'piped body' });

    expect(code).toBe(0);
    expect(stdout).toMatch(/^status\s+msgId\s+queue\s+offset/);
    expect(stdout).toContain('SEND_OK');
    expect((await queryByKey(reader, brokers, 'TopicTest', key))?.body.toString()).toBe('piped body');
  });

  it('shows a route from the name servers beside the one the table caches, and exits 3 for an unknown topic', async () => {
    const producer = createInternalProducer({ nameServers: [stack.nameServer], producerGroup: 'cli-routes', logger: () => undefined });
    await producer.start();
    const route = (await producer.lookupRoute('TopicTest'))!;
    await producer.shutdown();
    await new DynamoDbSharedState({ tableName: table, scope, client }).putRoute({ topic: 'TopicTest', route, fetchedAt: Date.now() });

    const [human, json, unknown] = await Promise.all([
      cli(['routes', 'TopicTest']),
      cli(['routes', 'TopicTest', '--json']),
      cli(['routes', 'NoSuchTopicAnywhere']),
    ]);

    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/broker-a\s+127\.0\.0\.1:\d+ \d+r\/\d+w RW\s+127\.0\.0\.1:\d+ \d+r\/\d+w RW/);
    expect(human.stdout).toContain('the table holds what the name servers say');
    expect(JSON.parse(json.stdout)).toMatchObject({ topic: 'TopicTest', same: true });
    expect(unknown.code).toBe(3);
  });

  it('lists isolated brokers with who isolated them, lifts one, and exits 3 lifting one that is not isolated', async () => {
    const state = new DynamoDbSharedState({ tableName: table, scope, client, writer: 'publish-fn 2026/11/23/[$LATEST]abc' });
    const now = Date.now();
    await state.recordFault({ brokerName: 'broker-z', isolatedUntil: now + 600_000, latencyMs: 3000, updatedAt: now });

    const listed = await cli(['isolation']);
    const lifted = await cli(['isolation', 'lift', 'broker-z']);
    const after = JSON.parse((await cli(['isolation', '--json'])).stdout) as { brokerName: string; isolated: boolean; writtenBy: string }[];
    const again = await cli(['isolation', 'lift', 'broker-z']);

    expect(listed.stdout).toMatch(/broker-z\s+isolated, \d+ min left/);
    expect(listed.stdout).toContain('publish-fn 2026/11/23/[$LATEST]abc');
    expect(lifted.code).toBe(0);
    expect(after.find((r) => r.brokerName === 'broker-z')).toMatchObject({ isolated: false, writtenBy: expect.stringContaining('rocketmq-lambda CLI') });
    expect(again.code).toBe(3);
  });

  it('lists the transactions not yet ended', async () => {
    const producer = createInternalProducer({ nameServers: [stack.nameServer], producerGroup: 'cli-tx', logger: () => undefined });
    await producer.start();
    const transactions = new Transactions(producer, new DynamoDbTransactionLedger({ tableName: table, scope, client }));
    const half = await transactions.begin({ topic: 'TopicTest', body: 'pending', keys: [`cli-tx-${Date.now()}`] });

    const [human, json] = await Promise.all([cli(['transactions']), cli(['transactions', '--json'])]);
    await transactions.finish(half.transactionId, 'ROLLBACK');
    const none = await cli(['transactions']);
    await producer.shutdown();

    expect(human.stdout).toMatch(new RegExp(`${half.transactionId}\\s+TopicTest\\s+PENDING`));
    expect(JSON.parse(json.stdout).map((e: { half: { transactionId: string } }) => e.half.transactionId)).toEqual([half.transactionId]);
    expect(none.stdout.trim()).toBe('no transaction is pending');
  });
});
