// Lambda containers the chaos drivers invoke the real handlers in. A container is what Lambda
// keeps warm between invocations: one process with its module-scope producer. `inProcess` is this
// process (the handlers imported here); `childContainer` is a Node process of its own, so it can
// start cold, and be frozen whole (SIGSTOP) between invocations as Lambda freezes a sandbox;
// `managedContainer` runs each function as Lambda Managed Instances do: worker threads, many
// invocations at once in each, never frozen.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';

export type FunctionName = 'publish' | 'bridge';

export interface InvokeOutcome {
  /** What the handler returned; undefined when it threw. */
  result?: unknown;
  error?: string;
  durationMs: number;
  /** getRemainingTimeInMillis() when the handler was called: its deadline. */
  budgetMs: number;
}

export interface Container {
  readonly name: string;
  invoke(fn: FunctionName, event: unknown, budgetMs: number): Promise<InvokeOutcome>;
  /** Shuts the container's producer down (its sockets, its pending writes). */
  close(): Promise<void>;
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;
export type Handlers = Record<FunctionName, Handler>;

/** Calls `handler` as the Lambda runtime would, with `budgetMs` left, and times it. */
export async function invokeTimed(handler: Handler, event: unknown, context: Context): Promise<InvokeOutcome> {
  const budgetMs = context.getRemainingTimeInMillis();
  const started = Date.now();
  try {
    const result = await handler(event, context);
    return { result, durationMs: Date.now() - started, budgetMs };
  } catch (err) {
    return { error: String((err as Error)?.stack ?? err), durationMs: Date.now() - started, budgetMs };
  }
}

/** The handlers of functions/, imported once the environment they read is in place. */
export async function importHandlers(): Promise<Handlers> {
  const [publish, bridge] = await Promise.all([import('../../functions/publish/index.ts'), import('../../functions/sqs-bridge/index.ts')]);
  return { publish: publish.handler as Handler, bridge: bridge.handler as Handler };
}

/** This process as a warm container. `close` ends it; the next invocation starts a new producer. */
export async function inProcessContainer(): Promise<Container> {
  const handlers = await importHandlers();
  const { lambdaContext } = await import('../../infra/local/server.ts');
  const { sharedEngine } = await import('../../lib/lambda/with-producer.ts');
  return {
    name: 'in-process',
    invoke: (fn, event, budgetMs) => invokeTimed(handlers[fn], event, lambdaContext(budgetMs)),
    close: () => sharedEngine().close(),
  };
}

export interface ChildContainer extends Container {
  readonly pid: number;
  /** Unhandled rejections the child saw. */
  readonly unhandled: string[];
  freeze(): void;
  thaw(): void;
}

/** Containers still running: killed when this process exits, so none is left frozen behind it. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

type FromChild = { type: 'ready' } | { type: 'closed' } | { type: 'unhandled'; reason: string } | ({ type: 'outcome'; id: number } & InvokeOutcome);

/**
 * A fresh Node process that imports the handlers (the init phase of a cold start) and answers
 * invocations over IPC. Resolves once it is ready for its first invocation.
 */
export async function childContainer(name: string, env: NodeJS.ProcessEnv = process.env): Promise<ChildContainer> {
  const child: ChildProcess = fork(join(import.meta.dirname, 'container-process.ts'), [], {
    env,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const unhandled: string[] = [];
  const waiting = new Map<number, (outcome: InvokeOutcome) => void>();
  let closed: (() => void) | undefined;
  let next = 0;
  const ready = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`container ${name} exited with ${code} before it was ready`)));
    child.on('message', (message: FromChild) => {
      if (message.type === 'ready') resolve();
      else if (message.type === 'unhandled') unhandled.push(message.reason);
      else if (message.type === 'closed') closed?.();
      else if (message.type === 'outcome') {
        const { id, type: _, ...outcome } = message;
        waiting.get(id)?.(outcome);
        waiting.delete(id);
      }
    });
  });
  live.add(child);
  child.on('exit', () => {
    live.delete(child);
    for (const settle of waiting.values()) settle({ error: `container ${name} exited`, durationMs: 0, budgetMs: 0 });
    waiting.clear();
    closed?.();
  });
  await ready;
  const pid = child.pid!;
  return {
    name,
    pid,
    unhandled,
    invoke: (fn, event, budgetMs) =>
      new Promise((resolve) => {
        const id = ++next;
        waiting.set(id, resolve);
        child.send({ type: 'invoke', id, fn, event, budgetMs });
      }),
    // A producer that cannot shut down in 20 s (a frozen peer) is not waited for: the process goes.
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        closed = () => {
          clearTimeout(timer);
          resolve();
        };
        process.kill(child.pid!, 'SIGCONT');
        child.send({ type: 'close' });
      }),
    freeze: () => process.kill(pid, 'SIGSTOP'),
    thaw: () => process.kill(pid, 'SIGCONT'),
  };
}

/**
 * Each function in an execution environment of Lambda Managed Instances: `workers` threads, up to
 * `maxConcurrency` invocations at once in each, one warm producer per thread.
 */
export async function managedContainer(name: string, env: NodeJS.ProcessEnv, shape: { workers: number; maxConcurrency: number }): Promise<Container> {
  const { ManagedInstancesEnvironment } = await import('../../infra/local/managed-instances/environment.ts');
  const modules: Record<FunctionName, string> = {
    publish: join(import.meta.dirname, '..', '..', 'functions', 'publish', 'index.ts'),
    bridge: join(import.meta.dirname, '..', '..', 'functions', 'sqs-bridge', 'index.ts'),
  };
  const start = (fn: FunctionName) =>
    ManagedInstancesEnvironment.start({ module: modules[fn], functionName: `${name}-${fn}`, env, ...shape, onLine: () => undefined });
  const [publish, bridge] = await Promise.all([start('publish'), start('bridge')]);
  const environments = { publish, bridge };
  return {
    name,
    invoke: async (fn, event, budgetMs) => {
      const invoked = await environments[fn].invoke(event, { timeoutMs: budgetMs });
      const durationMs = invoked.answeredAt - (invoked.deadline - budgetMs);
      return invoked.error
        ? { error: `${invoked.error.name}: ${invoked.error.message}`, durationMs, budgetMs }
        : { result: invoked.result, durationMs, budgetMs };
    },
    close: async () => {
      await Promise.all([publish.close(), bridge.close()]);
    },
  };
}
