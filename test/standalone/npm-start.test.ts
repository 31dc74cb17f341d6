// `npm start` exactly as a new user runs it: no NAMESRV_ADDR, no STATE_TABLE. It starts its own
// RocketMQ (at a port offset of its own, beside the test stack) and dynalite, and its shared state
// lives in dynalite. Runs in its own vitest project, after the others, with no test stack needed.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localClient } from '../../infra/local/dynamodb.ts';
import { decodeOffsetMsgId } from '../../lib/internal.ts';
import { RemotingClient } from '../../lib/internal.ts';
import { freePort } from '../support/local-server.ts';
import { viewByOffsetId } from '../support/read-back.ts';

const root = join(import.meta.dirname, '..', '..');
// An offset of its own: 500 away from whatever the test stack uses (a multiple of 10, under 1000).
const offset = (Number(process.env.STACK_PORT_OFFSET ?? 0) + 500) % 1000;
const stackDir = join(tmpdir(), `rocketmq-lambda-stack-${offset}`);
let server: ChildProcess;
let output = '';
let base = '';

const printed = (label: string) => new RegExp(`${label}\\s+(\\S+)`).exec(output)?.[1];

beforeAll(async () => {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, STACK_PORT_OFFSET: String(offset), PORT: String(port) };
  for (const name of ['NAMESRV_ADDR', 'STATE_TABLE', 'ALLOWED_TOPICS', 'PRODUCER_GROUP', 'AWS_ENDPOINT_URL_DYNAMODB', 'DYNALITE_PORT']) delete env[name];
  server = spawn(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'infra/local/start.ts'], { cwd: root, env });
  server.stdout!.on('data', (d) => (output += d));
  server.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + 240_000;
  while (!output.includes('Ready.') && server.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  if (!output.includes('Ready.')) throw new Error(`npm start did not start:\n${output}`);
  base = `http://localhost:${port}`;
}, 300_000);

afterAll(async () => {
  if (server.exitCode === null) {
    server.kill('SIGINT');
    await new Promise((resolve) => server.once('exit', resolve));
  }
});

describe('npm start on its own stack', () => {
  it('starts its own RocketMQ and prints where everything is', () => {
    expect(output).toMatch(/Local stack up in/);
    expect(printed('RocketMQ broker-a')).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(printed('RocketMQ broker-b')).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(printed('DynamoDB \\(dynalite\\)')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('publishes to its own brokers and keeps the route in its dynalite-backed shared state', async () => {
    const response = await fetch(`${base}/topics/TopicTest/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ body: 'from a fresh npm start', tags: 'own' }),
    });
    const { result } = (await response.json()) as { result: { offsetMsgId: string; queue: { brokerName: string } } };
    const refreshed = (await (await fetch(`${base}/_local/refresh`, { method: 'POST' })).json()) as { refreshFailures: number };

    expect(response.status).toBe(200);
    const reader = new RemotingClient();
    try {
      const stored = await viewByOffsetId(reader, result.offsetMsgId);
      expect([stored.body.toString(), stored.properties.get('TAGS')]).toEqual(['from a fresh npm start', 'own']);
    } finally {
      reader.shutdown();
    }
    // Stored by one of the brokers this npm start printed (the offset msgId names the store host).
    expect(decodeOffsetMsgId(result.offsetMsgId).address).toBe(printed(`RocketMQ ${result.queue.brokerName}`));
    expect(refreshed.refreshFailures).toBe(0);
    const client = localClient(printed('DynamoDB \\(dynalite\\)')!);
    try {
      const items = await client.send(
        new QueryCommand({
          TableName: 'rocketmq-lambda-state',
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: `SCOPE#${printed('RocketMQ name server')}` } },
        }),
      );
      expect(items.Items?.map((i) => i.sk?.S)).toContain('ROUTE#TopicTest');
    } finally {
      client.destroy();
    }
  });

  it('stops everything it started on Ctrl-C', async () => {
    server.kill('SIGINT');
    const code = await new Promise((resolve) => server.once('exit', resolve));

    expect(code).toBe(0);
    expect(existsSync(join(stackDir, 'stack.json'))).toBe(false);
  });
});
