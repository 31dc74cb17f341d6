// The drivers: each sends its share of uniquely keyed messages through one entry point and writes
// down, per key, what the caller was told. Handlers are invoked in a container (containers.ts)
// with the time a Lambda of that function would have left; the direct drivers call the producer.
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { Producer } from '../../lib/internal.ts';
import { httpApiEvent, sqsEvent } from '../support/events.ts';
import { childContainer, type ChildContainer, type Container, type InvokeOutcome } from './containers.ts';
import type { Ledger } from './ledger.ts';
import { paced, processedRecords, SqsQueue, type Traffic } from './traffic.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const DRIVER_NAMES = [
  'bridge-10',
  'bridge-100',
  'http',
  'send',
  'send-async',
  'send-batch',
  'child-bridge-10',
  'child-http',
  'lmi-bridge-10',
  'lmi-http',
  'http-retry',
  'http-retry-1s',
] as const;

/** Lambda Managed Instances as the lmi-* drivers run them: 4 worker threads, 64 invocations at once in each. */
export const MANAGED_SHAPE = { workers: 4, maxConcurrency: 64 };
export type DriverName = (typeof DRIVER_NAMES)[number];

export interface DriverContext {
  ledger: Ledger;
  traffic: Traffic;
  /** Messages per driver. */
  count: number;
  topic: string;
  producer: Producer;
  /** This process as a warm Lambda container. */
  warm: Container;
  /** A container in a process of its own, for the child-* drivers. */
  child: ChildContainer | undefined;
  /** Managed-instances environments (MANAGED_SHAPE), for the lmi-* drivers. */
  managed: Container | undefined;
  /** Time left at the start of each invocation: the functions' timeouts unless a scenario says less. */
  budgets: { publish: number; bridge: number };
  /** SQS visibility timeout before a failed record is received again. */
  visibilityMs: number;
  /** Environment for cold containers. */
  env: NodeJS.ProcessEnv;
  /** Where the containers started here report their unhandled rejections. */
  unhandled: string[];
}

/** Lambda's batching window: a partial batch is handed over once this has passed. */
const BATCH_WINDOW_MS = 2000;
const MAX_RECEIVE_COUNT = 5;

const failure = (err: unknown) => {
  const e = err as { codeName?: string; message?: string };
  return e?.codeName ?? e?.message ?? String(err);
};

/** Within its deadline and without throwing: anything else is a failed invocation to its caller. */
function answered(outcome: InvokeOutcome): string | undefined {
  if (outcome.error !== undefined) return `handler threw: ${outcome.error.split('\n')[0]}`;
  if (outcome.durationMs > outcome.budgetMs) return `timed out (${outcome.durationMs} ms of ${outcome.budgetMs} ms)`;
  return undefined;
}

/**
 * Lambda's SQS poller for one function: takes batches of up to `batchSize` visible records, invokes,
 * settles each record from the answer. Stops when `more()` says nothing more will be sent and the
 * queue is empty (every record deleted or dead-lettered).
 */
async function poll(ctx: DriverContext, name: string, queue: SqsQueue, container: Container, batchSize: number, more: () => boolean): Promise<void> {
  let waitingSince: number | undefined;
  for (;;) {
    if (!more() && queue.size === 0) return;
    await ctx.traffic.running();
    const visible = queue.visible();
    waitingSince ??= Date.now();
    const partialAllowed = !more() || Date.now() - waitingSince >= BATCH_WINDOW_MS;
    if (visible === 0 || (visible < batchSize && !partialAllowed)) {
      await sleep(50);
      continue;
    }
    waitingSince = undefined;
    const batch = queue.receive(batchSize);
    if (batch.length === 0) continue;
    for (const b of batch) ctx.ledger.received(b.key);
    const records = batch.map((b) => b.record);
    const outcome = await container.invoke('bridge', sqsEvent(records), ctx.budgets.bridge);
    ctx.ledger.invocation(name, outcome.durationMs, outcome.budgetMs, outcome.error !== undefined);
    const { ok, reason } = processedRecords(records, outcome);
    for (const b of batch) {
      ctx.ledger.answered(b.key);
      const stored = ok.has(b.record.messageId);
      if (stored) ctx.ledger.confirm(b.key);
      else ctx.ledger.fail(b.key, reason ?? 'not confirmed');
      queue.settle(b.record.messageId, stored);
    }
  }
}

function newQueue(ctx: DriverContext): SqsQueue {
  return new SqsQueue({ visibilityMs: ctx.visibilityMs, maxReceiveCount: MAX_RECEIVE_COUNT });
}

/** SQS -> bridge: messages arrive in the queue at the traffic's pace; `pollers` take batches at once. */
async function bridge(ctx: DriverContext, name: string, batchSize: number, container: Container, pollers = 2): Promise<void> {
  const queue = newQueue(ctx);
  let sending = true;
  const sender = paced(ctx.traffic, ctx.count, 5, 1, async (from, count) => {
    for (let n = from; n < from + count; n++) {
      const key = ctx.ledger.key(name, n);
      queue.send(key, `chaos ${key}`);
    }
  }).finally(() => (sending = false));
  await Promise.all([sender, ...Array.from({ length: pollers }, () => poll(ctx, name, queue, container, batchSize, () => sending))]);
}

/**
 * One publish request for `key`, with the key as its Idempotency-Key (one per logical request):
 * a retry of it carries the same UNIQ_KEY, and with PUBLISH_ONCE=on is answered with the first result.
 */
function publishEvent(ctx: DriverContext, key: string, mode?: 'sync' | 'async') {
  const body = JSON.stringify({ body: `chaos ${key}`, keys: [key], ...(mode ? { mode } : {}) });
  return httpApiEvent('POST', `/topics/${ctx.topic}/messages`, body, { 'content-type': 'application/json', 'idempotency-key': key });
}

/** Writes down what the caller of a publish invocation was told. */
function settleHttp(ctx: DriverContext, name: string, key: string, outcome: InvokeOutcome): void {
  ctx.ledger.answered(key);
  ctx.ledger.invocation(name, outcome.durationMs, outcome.budgetMs, outcome.error !== undefined);
  const problem = answered(outcome) ?? httpProblem(outcome.result as APIGatewayProxyResult | undefined);
  if (problem === undefined) ctx.ledger.confirm(key);
  else ctx.ledger.fail(key, problem);
}

/** API Gateway -> publish: one message per request, sync and async modes alternating, `concurrency` at once. */
async function http(ctx: DriverContext, name: string, container: Container, concurrency = 4): Promise<void> {
  await paced(ctx.traffic, ctx.count, 1, concurrency, async (n) => {
    const key = ctx.ledger.key(name, n);
    ctx.ledger.received(key);
    settleHttp(ctx, name, key, await container.invoke('publish', publishEvent(ctx, key, n % 2 === 0 ? 'sync' : 'async'), ctx.budgets.publish));
  });
}

/**
 * An HTTP client that loses every first response (a dropped connection, a gateway timeout on its
 * side): it sends each request, drops whatever came back, and sends the same request again with
 * the same Idempotency-Key `delayMs` later; only the second answer counts. Both are handed to the handler.
 */
async function httpRetry(ctx: DriverContext, name: string, container: Container, delayMs: number, concurrency = 4): Promise<void> {
  await paced(ctx.traffic, ctx.count, 1, concurrency, async (n) => {
    const key = ctx.ledger.key(name, n);
    const mode = n % 2 === 0 ? 'sync' : 'async';
    ctx.ledger.received(key);
    const dropped = await container.invoke('publish', publishEvent(ctx, key, mode), ctx.budgets.publish);
    const answeredAt = Date.now();
    ctx.ledger.answered(key, answeredAt);
    ctx.ledger.invocation(name, dropped.durationMs, dropped.budgetMs, dropped.error !== undefined);
    // At once, but in a later ms than the answer: store times are whole ms, and the copies must tell apart.
    await sleep(delayMs);
    while (Date.now() <= answeredAt) await sleep(1);
    ctx.ledger.received(key);
    settleHttp(ctx, name, key, await container.invoke('publish', publishEvent(ctx, key, mode), ctx.budgets.publish));
  });
}

async function direct(ctx: DriverContext, name: string, mode: 'send' | 'sendAsync'): Promise<void> {
  await paced(ctx.traffic, ctx.count, 1, mode === 'send' ? 4 : 8, async (n) => {
    const key = ctx.ledger.key(name, n);
    ctx.ledger.received(key);
    const message = { topic: ctx.topic, body: `chaos ${key}`, keys: [key] };
    await (mode === 'send' ? ctx.producer.send(message) : ctx.producer.sendAsync(message)).then(
      () => ctx.ledger.confirm(key),
      (err) => ctx.ledger.fail(key, failure(err)),
    );
  });
}

async function directBatch(ctx: DriverContext, name: string): Promise<void> {
  await paced(ctx.traffic, ctx.count, 10, 2, async (from, count) => {
    const keys = Array.from({ length: count }, (_, i) => ctx.ledger.key(name, from + i));
    for (const key of keys) ctx.ledger.received(key);
    await ctx.producer.sendBatch(keys.map((key) => ({ topic: ctx.topic, body: `chaos ${key}`, keys: [key] }))).then(
      () => {
        for (const key of keys) ctx.ledger.confirm(key);
      },
      (err) => {
        for (const key of keys) ctx.ledger.fail(key, failure(err));
      },
    );
  });
}

/** Undefined for a 200; otherwise the status and the error code the function answered with. */
function httpProblem(response: APIGatewayProxyResult | undefined): string | undefined {
  if (response?.statusCode === 200) return undefined;
  let code: unknown;
  try {
    code = (JSON.parse(response?.body ?? '') as { error?: { code?: unknown } }).error?.code;
  } catch {
    code = undefined;
  }
  return `HTTP ${response?.statusCode}${code === undefined ? '' : ` ${code}`}`;
}

function requireManaged(ctx: DriverContext): Container {
  if (!ctx.managed) throw new Error('an lmi-* driver needs the scenario to start managed-instances environments');
  return ctx.managed;
}

function requireChild(ctx: DriverContext): ChildContainer {
  if (!ctx.child) throw new Error('a child-* driver needs the scenario to start a child container');
  return ctx.child;
}

export const DRIVERS: Record<DriverName, (ctx: DriverContext) => Promise<void>> = {
  'bridge-10': (ctx) => bridge(ctx, 'bridge-10', 10, ctx.warm),
  'bridge-100': (ctx) => bridge(ctx, 'bridge-100', 100, ctx.warm),
  http: (ctx) => http(ctx, 'http', ctx.warm),
  send: (ctx) => direct(ctx, 'send', 'send'),
  'send-async': (ctx) => direct(ctx, 'send-async', 'sendAsync'),
  'send-batch': (ctx) => directBatch(ctx, 'send-batch'),
  'child-bridge-10': (ctx) => bridge(ctx, 'child-bridge-10', 10, requireChild(ctx)),
  'child-http': (ctx) => http(ctx, 'child-http', requireChild(ctx)),
  // Up to every slot of the environments busy at once: requests pile up while a broker is frozen.
  'lmi-bridge-10': (ctx) => bridge(ctx, 'lmi-bridge-10', 10, requireManaged(ctx), 32),
  'lmi-http': (ctx) => http(ctx, 'lmi-http', requireManaged(ctx), MANAGED_SHAPE.workers * MANAGED_SHAPE.maxConcurrency),
  'http-retry': (ctx) => httpRetry(ctx, 'http-retry', ctx.warm, 0),
  // A second apart, so enough requests at once to keep the pace (about 100 a second at 1000 messages).
  'http-retry-1s': (ctx) => httpRetry(ctx, 'http-retry-1s', ctx.warm, 1000, 128),
};

/**
 * Cold starts: each a new container process whose first invocation gets `budgetMs`: a bridge batch
 * of 10 (`cold-bridge-10`), or for every third one publish (`cold-http`). Records the bridge
 * reports failed are received again later by the warm container, as SQS hands them to whichever
 * container polls next.
 */
export async function coldStarts(ctx: DriverContext, containers: number, budgetMs: number): Promise<void> {
  const queue = newQueue(ctx);
  let starting = true;
  const redeliveries = poll(ctx, 'cold-bridge-10', queue, ctx.warm, 10, () => starting);
  const coldHttp = async (container: Container, n: number) => {
    const key = ctx.ledger.key('cold-http', n);
    ctx.ledger.received(key);
    settleHttp(ctx, 'cold-http', key, await container.invoke('publish', publishEvent(ctx, key), budgetMs));
  };
  const coldBridge = async (container: Container, first: number) => {
    const own = newQueue(ctx);
    for (let n = first; n < first + 10; n++) {
      const key = ctx.ledger.key('cold-bridge-10', n);
      own.send(key, `chaos ${key}`);
    }
    const batch = own.receive(10);
    for (const b of batch) ctx.ledger.received(b.key);
    const records = batch.map((b) => b.record);
    const outcome = await container.invoke('bridge', sqsEvent(records), budgetMs);
    ctx.ledger.invocation('cold-bridge-10', outcome.durationMs, outcome.budgetMs, outcome.error !== undefined);
    const { ok, reason } = processedRecords(records, outcome);
    for (const b of batch) {
      ctx.ledger.answered(b.key);
      if (ok.has(b.record.messageId)) {
        ctx.ledger.confirm(b.key);
      } else {
        ctx.ledger.fail(b.key, reason ?? 'not confirmed');
        queue.adopt(b.record, b.key, 1);
      }
    }
  };
  try {
    await Promise.all(
      Array.from({ length: containers }, async (_, i) => {
        const container = await childContainer(`cold-${i}`, ctx.env);
        try {
          await (i % 3 === 2 ? coldHttp(container, i) : coldBridge(container, i * 10));
        } finally {
          await container.close();
          ctx.unhandled.push(...container.unhandled);
        }
      }),
    );
  } finally {
    starting = false;
    await redeliveries;
  }
}
