// `npm start` with MANAGED_INSTANCES: every function in worker threads, many invocations at once in
// each, as Lambda Managed Instances run them. Pointed at the test stack's name server.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RemotingClient } from '../../lib/internal.ts';
import { viewByOffsetId } from '../support/read-back.ts';

const stack = inject('stack');
const root = join(import.meta.dirname, '..', '..');
const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
let server: ChildProcess;
let base = '';
let output = '';

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const env = (extra: Record<string, string>) => ({
  ...process.env,
  NAMESRV_ADDR: stack.nameServer,
  STATE_TABLE: '',
  PRODUCER_GROUP: 'local-server-managed',
  ...extra,
});

beforeAll(async () => {
  const [port, dynalitePort] = [await freePort(), await freePort()];
  server = spawn(process.execPath, [tsx, 'infra/local/start.ts'], {
    cwd: root,
    env: env({ PORT: String(port), DYNALITE_PORT: String(dynalitePort), MANAGED_INSTANCES: '2x8' }),
  });
  server.stdout!.on('data', (d) => (output += d));
  server.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + 60_000;
  while (!output.includes('Ready.') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (!output.includes('Ready.')) throw new Error(`local server did not start:\n${output}`);
  base = `http://localhost:${port}`;
});

afterAll(() => {
  if (server.exitCode === null) server.kill('SIGKILL');
});

describe('local server with MANAGED_INSTANCES=2x8', () => {
  it('says how the functions run', () => {
    expect(output).toContain('as on Lambda Managed Instances: 2 worker threads x 8 invocations each');
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
    const run = spawnSync(process.execPath, [tsx, 'infra/local/start.ts'], { cwd: root, env: env({ MANAGED_INSTANCES: '2x0' }), encoding: 'utf8' });

    expect(run.status).toBe(1);
    expect(run.stderr).toContain('MANAGED_INSTANCES must be "on", "off" or <workers>x<invocations>');
    expect(run.stdout).not.toContain('Ready.');
  });
});
