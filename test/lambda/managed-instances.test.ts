// Many invocations at once in one worker thread sharing one warm producer, as Lambda Managed
// Instances run them (infra/local/managed-instances: worker threads, the runtime's invoke store).
// Each invocation's answer waits for what it started and for nothing another started; its metrics,
// logs and trace context are its own. A scripted broker holds the sends of one topic until the
// test lets them go (a frozen broker, on demand, which a real one cannot be for one test); the
// rest runs against the real stack.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ManagedInstancesEnvironment, xrayTraceHeader, type Invoked } from '../../infra/local/managed-instances/environment.ts';
import { RemotingClient } from '../../lib/internal.ts';
import { httpApiEvent } from '../support/events.ts';
import { startFakeCluster, type FakeCluster } from '../support/fake-cluster.ts';
import type { PeerRequest } from '../support/fake-peer.ts';
import { viewByOffsetId } from '../support/read-back.ts';
import type { Work } from '../fixtures/managed-instances/work.ts';

const stack = inject('stack');
const root = join(import.meta.dirname, '..', '..');
const work = join(root, 'test', 'fixtures', 'managed-instances', 'work.ts');
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

type Outcome = { owner: string; requestId: string; settled: number; failed: number };

/** Every JSON line a worker wrote, by kind: EMF metric documents and log lines. */
class Lines {
  readonly all: Record<string, unknown>[] = [];
  add = (line: string) => {
    try {
      this.all.push(JSON.parse(line));
    } catch {
      // not JSON: not ours to read
    }
  };
  metrics(requestId: string): Record<string, unknown> | undefined {
    return this.all.find((l) => '_aws' in l && l.requestId === requestId);
  }
  logs(message: string): Record<string, unknown>[] {
    return this.all.filter((l) => l.message === message);
  }
}

/** A fake cluster whose brokers answer every send at once, except sends to `held`: those wait for release(). */
async function holdingCluster(held: string): Promise<{ cluster: FakeCluster; heldSends: () => number; release: () => void }> {
  const waiting: (() => void)[] = [];
  let released = false;
  const topicOf = (request: PeerRequest) => request.header.extFields?.b ?? request.header.extFields?.topic;
  const handler = (request: PeerRequest, reply: (code: number) => void) => {
    if (topicOf(request) !== held || released) reply(0);
    else waiting.push(() => reply(0));
  };
  const cluster = await startFakeCluster({ 'broker-a': handler, 'broker-b': handler });
  cleanups.push(() => cluster.close());
  return {
    cluster,
    heldSends: () => waiting.length,
    release: () => {
      released = true;
      for (const answer of waiting.splice(0)) answer();
    },
  };
}

async function environment(nameServer: string, lines: Lines, extra: Record<string, string> = {}) {
  const env = await ManagedInstancesEnvironment.start({
    module: work,
    workers: 1,
    maxConcurrency: 64,
    env: { NAMESRV_ADDR: nameServer, PRODUCER_GROUP: 'lmi-test', POWERTOOLS_LOG_LEVEL: 'INFO', SEND_TIMEOUT_MS: '20000', ...extra },
    onLine: lines.add,
  });
  cleanups.push(() => env.close());
  return env;
}

async function until(condition: () => boolean, what: string, limitMs = 15_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('64 invocations at once in one worker thread', () => {
  it("answers each one when its own async sends settle, not the others' (one invocation's 40 sends held)", async () => {
    const { cluster, heldSends, release } = await holdingCluster('Held');
    const lines = new Lines();
    const env = await environment(cluster.nameServer, lines);
    // The holder arrives first and alone; its 40 sends reach the broker and are held there.
    const holder = env.invoke<Outcome>({ owner: 'holder', together: 1, topic: 'Held', asyncSends: 40 } satisfies Work);
    let holderAnswered = false;
    void holder.then(() => (holderAnswered = true));
    await until(() => heldSends() === 40, 'the held sends to reach the broker');

    // 63 more overlap with it and with each other, each with 5 sends of its own.
    const quick = await Promise.all(
      Array.from({ length: 63 }, (_, i) => env.invoke<Outcome>({ owner: `quick-${i}`, together: 63, topic: 'Quick', asyncSends: 5 } satisfies Work)),
    );

    expect(holderAnswered).toBe(false);
    expect(heldSends()).toBe(40);
    expect(quick.map((q) => q.error)).toEqual(quick.map(() => undefined));
    expect(quick.map((q) => [q.result!.settled, q.result!.failed])).toEqual(quick.map(() => [5, 0]));
    release();
    const held = await holder;
    expect([held.result!.settled, held.result!.failed]).toEqual([40, 0]);

    // Each invocation's EMF document counts its own sends, under its own request id. A worker's
    // stdout reaches this thread on its own stream, after the answer at times: wait for the lines.
    const all = [...quick, held];
    await until(() => all.every((q) => lines.metrics(q.requestId)) && lines.logs('work started').length === 64, 'every EMF document and log line');
    for (const q of all) {
      const metrics = lines.metrics(q.requestId);
      expect(metrics?.Sends, q.result!.owner).toBe(q.result!.owner === 'holder' ? 40 : 5);
    }
    // Each log line carries the request id of the invocation that wrote it.
    const started = lines.logs('work started');
    expect(started).toHaveLength(64);
    const ownerOf = new Map(all.map((q) => [q.requestId, q.result!.owner]));
    for (const line of started) expect(line.owner).toBe(ownerOf.get(line.function_request_id as string));
  });

  it("keeps each invocation inside its own deadline while another's broker does not answer", async () => {
    const { cluster, heldSends, release } = await holdingCluster('Frozen');
    cleanups.push(async () => release());
    const lines = new Lines();
    const env = await environment(cluster.nameServer, lines);
    // The frozen invocation has 20 s; its sends would wait that long.
    const frozen = env.invoke<Outcome>({ owner: 'frozen', together: 1, topic: 'Frozen', asyncSends: 10 } satisfies Work, { timeoutMs: 20_000 });
    await until(() => heldSends() === 10, 'the frozen sends to reach the broker');

    // Each of these has 3 s, far less than the frozen one's wait.
    const others: Invoked<Outcome>[] = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        env.invoke<Outcome>({ owner: `other-${i}`, together: 16, topic: 'Quick', asyncSends: 3 } satisfies Work, { timeoutMs: 3000 }),
      ),
    );

    for (const other of others) {
      expect(other.result?.settled).toBe(3);
      expect(other.answeredAt).toBeLessThanOrEqual(other.deadline);
    }
    release();
    expect((await frozen).result?.settled).toBe(10);
  });

  it('carries each invocation’s own X-Ray trace header into what it publishes, read back from the broker', async () => {
    const lines = new Lines();
    const env = await ManagedInstancesEnvironment.start({
      module: join(root, 'functions', 'publish', 'index.ts'),
      workers: 1,
      maxConcurrency: 64,
      env: { NAMESRV_ADDR: stack.nameServer, PRODUCER_GROUP: 'lmi-publish', ALLOWED_TOPICS: 'TopicTest', POWERTOOLS_LOG_LEVEL: 'WARN' },
      onLine: lines.add,
    });
    cleanups.push(() => env.close());
    const traces = Array.from({ length: 64 }, () => xrayTraceHeader());

    const answers = await Promise.all(
      traces.map((xrayTraceId, i) =>
        env.invoke<APIGatewayProxyResult>(
          httpApiEvent('POST', '/topics/TopicTest/messages', JSON.stringify({ body: `trace ${i}` }), { 'content-type': 'application/json' }),
          {
            xrayTraceId,
            requestId: randomUUID(),
          },
        ),
      ),
    );

    await until(() => answers.every((a) => lines.metrics(a.requestId)), 'every EMF document');
    const reader = new RemotingClient();
    cleanups.push(async () => reader.shutdown());
    for (const [i, answer] of answers.entries()) {
      expect(answer.result?.statusCode).toBe(200);
      const stored = await viewByOffsetId(reader, JSON.parse(answer.result!.body).result.offsetMsgId);
      expect(stored.body.toString()).toBe(`trace ${i}`);
      expect(stored.properties.get('AWSTraceHeader')).toBe(traces[i]);
      expect(lines.metrics(answer.requestId)?.Sends).toBe(1);
    }
  });
});
