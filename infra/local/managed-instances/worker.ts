// One worker thread of an execution environment on Lambda Managed Instances, as the Node runtime
// runs it: the invoke store made first (multi-context: AWS_LAMBDA_MAX_CONCURRENCY is set), the
// function module imported once (its init phase), then each invocation run inside the store's
// context with its own request id and X-Ray trace id, many at once, never frozen in between.
import { parentPort, workerData } from 'node:worker_threads';
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { Context } from 'aws-lambda';
import type { InvokeRequest, WorkerData, WorkerReply } from './protocol.ts';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const data = workerData as WorkerData;
const port = parentPort!;
const { REQUEST_ID, X_RAY_TRACE_ID } = InvokeStoreBase.PROTECTED_KEYS;

function contextOf(request: InvokeRequest): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: data.functionName,
    functionVersion: '1',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${data.functionName}:1`,
    memoryLimitInMB: String(data.memoryMb),
    awsRequestId: request.requestId,
    logGroupName: `/aws/lambda/${data.functionName}`,
    logStreamName: 'managed-instances',
    getRemainingTimeInMillis: () => request.deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

const store = await InvokeStore.getInstanceAsync();
let handler: Handler;
try {
  const module = (await import(data.module)) as Record<string, unknown>;
  const found = module[data.exportName];
  if (typeof found !== 'function') throw new Error(`${data.module} exports no function "${data.exportName}"`);
  handler = found as Handler;
} catch (err) {
  port.postMessage({ kind: 'init-failed', error: (err as Error).stack ?? String(err) } satisfies WorkerReply);
  throw err;
}
port.postMessage({ kind: 'ready' } satisfies WorkerReply);

port.on('message', (request: InvokeRequest) => {
  const context = { [REQUEST_ID]: request.requestId, ...(request.xrayTraceId ? { [X_RAY_TRACE_ID]: request.xrayTraceId } : {}) };
  store
    .run(context, () => handler(request.event, contextOf(request)))
    .then(
      (result) => port.postMessage({ kind: 'result', id: request.id, result } satisfies WorkerReply),
      (err: unknown) => {
        const error = err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };
        port.postMessage({ kind: 'error', id: request.id, error } satisfies WorkerReply);
      },
    );
});
