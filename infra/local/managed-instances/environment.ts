// A Lambda Managed Instances execution environment on this machine: N worker threads (the Node
// runtime's AWS_LAMBDA_NODEJS_WORKER_COUNT, one per vCPU by default), each serving up to M
// invocations at once (PerExecutionEnvironmentMaxConcurrency), each invocation inside the
// runtime's invoke store (@aws/lambda-invoke-store, the package the runtime itself uses). Module
// scope is shared by a thread's invocations and by nothing else, as there. An invocation goes to
// the thread with the fewest in flight; when all are full it waits for a free slot.
import { randomBytes, randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import type { InvokeRequest, WorkerData, WorkerReply } from './protocol.ts';

export interface EnvironmentOptions {
  /** The function module (a path), and the export that is its handler. */
  module: string;
  exportName?: string;
  functionName?: string;
  /** Worker threads; default 1. */
  workers?: number;
  /** Invocations at once per worker thread; default 64 (Lambda's default per vCPU). */
  maxConcurrency?: number;
  /** The function's configured timeout; default 30 s. */
  timeoutMs?: number;
  memoryMb?: number;
  /** The function's variables (the process's are not passed on, as in Lambda); unset ones are left out. */
  env?: NodeJS.ProcessEnv;
  /** Each line a worker writes to stdout (logs, EMF metrics); default: passed to this process's stdout. */
  onLine?: (line: string, worker: number) => void;
}

export interface Invoked<R> {
  requestId: string;
  worker: number;
  /** Epoch ms the invocation's timeout ended at, and when its answer arrived. */
  deadline: number;
  answeredAt: number;
  result?: R;
  error?: { name: string; message: string };
}

interface Thread {
  worker: Worker;
  inFlight: number;
  waiting: Map<number, (reply: WorkerReply) => void>;
}

/** An X-Ray trace header as Lambda gives an invocation with active tracing. */
export function xrayTraceHeader(): string {
  const epoch = Math.floor(Date.now() / 1000).toString(16);
  return `Root=1-${epoch}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=1`;
}

export class ManagedInstancesEnvironment {
  private nextId = 1;
  private readonly queue: (() => void)[] = [];

  private constructor(
    private readonly threads: Thread[],
    private readonly maxConcurrency: number,
    private readonly timeoutMs: number,
  ) {}

  /** Starts every worker thread and waits for each to finish its init phase. */
  static async start(options: EnvironmentOptions): Promise<ManagedInstancesEnvironment> {
    const workers = options.workers ?? 1;
    const maxConcurrency = options.maxConcurrency ?? 64;
    const functionName = options.functionName ?? 'local';
    const data: WorkerData = {
      runtime: new URL('./worker.ts', import.meta.url).pathname,
      module: options.module,
      exportName: options.exportName ?? 'handler',
      functionName,
      memoryMb: options.memoryMb ?? 2048,
    };
    const env = {
      ...Object.fromEntries(Object.entries(options.env ?? {}).filter((e): e is [string, string] => e[1] !== undefined)),
      AWS_LAMBDA_FUNCTION_NAME: functionName,
      AWS_LAMBDA_MAX_CONCURRENCY: String(maxConcurrency),
      AWS_LAMBDA_NODEJS_WORKER_COUNT: String(workers),
      AWS_LAMBDA_INITIALIZATION_TYPE: 'lambda-managed-instances',
    };
    const threads = await Promise.all(
      Array.from({ length: workers }, async (_, index) => {
        const worker = new Worker(new URL('./boot.mjs', import.meta.url), { workerData: data, env, stdout: true });
        const thread: Thread = { worker, inFlight: 0, waiting: new Map() };
        const lines = createInterface({ input: worker.stdout });
        lines.on('line', (line) => (options.onLine ? options.onLine(line, index) : process.stdout.write(`${line}\n`)));
        await new Promise<void>((resolve, reject) => {
          worker.on('message', (reply: WorkerReply) => {
            if (reply.kind === 'ready') resolve();
            else if (reply.kind === 'init-failed') reject(new Error(`worker ${index} failed its init phase: ${reply.error}`));
            else thread.waiting.get(reply.id)?.(reply);
          });
          worker.on('error', reject);
        });
        return thread;
      }),
    );
    return new ManagedInstancesEnvironment(threads, maxConcurrency, options.timeoutMs ?? 30_000);
  }

  /** One invocation, answered when its handler returns (after the adapter's after-work). */
  async invoke<R = unknown>(event: unknown, options: { requestId?: string; xrayTraceId?: string; timeoutMs?: number } = {}): Promise<Invoked<R>> {
    const thread = await this.slot();
    const index = this.threads.indexOf(thread);
    const id = this.nextId++;
    const requestId = options.requestId ?? randomUUID();
    const deadline = Date.now() + (options.timeoutMs ?? this.timeoutMs);
    const request: InvokeRequest = { id, event, requestId, xrayTraceId: options.xrayTraceId, deadline };
    try {
      const reply = await new Promise<WorkerReply>((resolve) => {
        thread.waiting.set(id, resolve);
        thread.worker.postMessage(request);
      });
      const answeredAt = Date.now();
      if (reply.kind === 'result') return { requestId, worker: index, deadline, answeredAt, result: reply.result as R };
      if (reply.kind === 'error') return { requestId, worker: index, deadline, answeredAt, error: reply.error };
      throw new Error(`unexpected reply ${reply.kind}`);
    } finally {
      thread.waiting.delete(id);
      thread.inFlight -= 1;
      this.queue.shift()?.();
    }
  }

  /** The thread with the fewest invocations in flight, once one has a free slot. */
  private async slot(): Promise<Thread> {
    for (;;) {
      const thread = this.threads.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
      if (thread.inFlight < this.maxConcurrency) {
        thread.inFlight += 1;
        return thread;
      }
      await new Promise<void>((resolve) => this.queue.push(resolve));
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }
}
