// `npm start` with MANAGED_INSTANCES: every function in worker threads, many invocations at once in
// each, as Lambda Managed Instances run them. Pointed at the test stack's name server.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RemotingClient } from '../../lib/internal.ts';
import { freePort, ROOT, startLocalServer, TSX, type LocalServer } from '../support/local-server.ts';
import { viewByOffsetId } from '../support/read-back.ts';

const stack = inject('stack');
let server: LocalServer;
let base = '';

const env = (extra: Record<string, string>) => ({
  ...process.env,
  NAMESRV_ADDR: stack.nameServer,
  STATE_TABLE: '',
  PRODUCER_GROUP: 'local-server-managed',
  ...extra,
});

beforeAll(async () => {
  const [port, dynalitePort] = [await freePort(), await freePort()];
  server = await startLocalServer(env({ PORT: String(port), DYNALITE_PORT: String(dynalitePort), MANAGED_INSTANCES: '2x8' }));
  base = `http://localhost:${port}`;
});

afterAll(() => {
  if (server.child.exitCode === null) server.child.kill('SIGKILL');
});

describe('local server with MANAGED_INSTANCES=2x8', () => {
  it('says how the functions run', () => {
    expect(server.output()).toContain('as on Lambda Managed Instances: 2 worker threads x 8 invocations each');
  });

  it('publishes 32 requests at once through the worker threads, each stored', async () => {
    const answers = await Promise.all(
      Array.from({ length: 32 }, (_, i) =>
        fetch(`${base}/topics/TopicTest/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ body: `managed ${i}` }),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as { result: { offsetMsgId: string } } })),
      ),
    );

    const reader = new RemotingClient();
    try {
      for (const [i, answer] of answers.entries()) {
        expect(answer.status).toBe(200);
        expect((await viewByOffsetId(reader, answer.body.result.offsetMsgId)).body.toString()).toBe(`managed ${i}`);
      }
    } finally {
      reader.shutdown();
    }
  });

  it('refuses a shape it cannot run in one sentence, before starting anything', () => {
    const run = spawnSync(process.execPath, [TSX, 'infra/local/start.ts'], { cwd: ROOT, env: env({ MANAGED_INSTANCES: '2x0' }), encoding: 'utf8' });

    expect(run.status).toBe(1);
    expect(run.stderr).toContain('MANAGED_INSTANCES must be "on", "off" or <workers>x<invocations>');
    expect(run.stdout).not.toContain('Ready.');
  });
});
