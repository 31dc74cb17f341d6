// `npm start`'s server in its own process, exercised with real HTTP requests. It is pointed at the
// test stack's name server (NAMESRV_ADDR), so it starts no RocketMQ of its own.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RemotingClient } from '../../lib/internal.ts';
import { freePort, startLocalServer, type LocalServer } from '../support/local-server.ts';
import { viewByOffsetId } from '../support/read-back.ts';

const stack = inject('stack');
let local: LocalServer;
let server: ChildProcess;
let base = '';

beforeAll(async () => {
  const [port, dynalitePort] = [await freePort(), await freePort()];
  local = await startLocalServer({
    ...process.env,
    NAMESRV_ADDR: stack.nameServer,
    PORT: String(port),
    DYNALITE_PORT: String(dynalitePort),
    STATE_TABLE: '',
    PRODUCER_GROUP: 'local-server-test',
  });
  server = local.child;
  base = `http://localhost:${port}`;
});

afterAll(() => {
  if (server.exitCode === null) server.kill('SIGKILL');
});

describe('local server (npm start)', () => {
  it('prints a ready-to-paste curl example', () => {
    expect(local.output()).toContain(`curl -s -X POST ${base}/topics/TopicTest/messages`);
  });

  it('publishes through the real handler as API Gateway would invoke it', async () => {
    const response = await fetch(`${base}/topics/TopicTest/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ body: 'via local server', keys: ['local-1'] }),
    });

    expect(response.status).toBe(200);
    expect(((await response.json()) as { result: { status: string } }).result.status).toBe('SEND_OK');
  });

  it('answers bad input with a 400 and the field', async () => {
    const response = await fetch(`${base}/topics/TopicTest/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"body":"x","delayLevel":99}',
    });

    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { field: string } }).error.field).toBe('delayLevel');
  });

  it('feeds SQS-shaped batches to the bridge and triggers a refresh', async () => {
    const bridged = await fetch(`${base}/_local/sqs`, {
      method: 'POST',
      body: JSON.stringify({ messages: [{ body: 'a' }, { body: 'b', attributes: { topic: 'TopicBatch' } }] }),
    });
    const refreshed = await fetch(`${base}/_local/refresh`, { method: 'POST' });

    expect(await bridged.json()).toEqual({ batchItemFailures: [] });
    expect(((await refreshed.json()) as { refreshFailures: number }).refreshFailures).toBe(0);
  });

  it('answers malformed input to its SQS endpoint with a 400 and a stable code, never a 500', async () => {
    const cases: [string, string][] = [
      ['{"messages":', 'INVALID_JSON'],
      ['{"Records":[{}]}', 'INVALID_EVENT'],
      ['{"messages":[{"body":7}]}', 'INVALID_EVENT'],
      ['{"messages":[]}', 'INVALID_EVENT'],
      ['[]', 'INVALID_EVENT'],
    ];
    for (const [body, code] of cases) {
      const response = await fetch(`${base}/_local/sqs`, { method: 'POST', body });
      const answer = (await response.json()) as { error: { code: string } };

      expect([response.status, answer.error.code]).toEqual([400, code]);
    }
  });

  it('hands a text body that is not UTF-8 to the handler byte for byte', async () => {
    const bytes = Buffer.from([0x61, 0xff, 0x62]);

    const response = await fetch(`${base}/topics/TopicTest/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: bytes });
    const { result } = (await response.json()) as { result: { offsetMsgId: string } };

    expect(response.status).toBe(200);
    const reader = new RemotingClient();
    try {
      expect((await viewByOffsetId(reader, result.offsetMsgId)).body.equals(bytes)).toBe(true);
    } finally {
      reader.shutdown();
    }
  });

  it('shuts down cleanly on Ctrl-C', async () => {
    server.kill('SIGINT');
    const code = await new Promise((resolve) => server.once('exit', resolve));

    expect(code).toBe(0);
    expect(local.output()).toContain('Stopping...');
  });
});
