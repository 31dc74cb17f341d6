// What the managed-instances environment and its worker threads say to each other.

export interface WorkerData {
  /** tsx bootstrap runs this file in the thread. */
  runtime: string;
  /** The function module, imported once per thread (its init phase). */
  module: string;
  exportName: string;
  functionName: string;
  memoryMb: number;
}

export interface InvokeRequest {
  id: number;
  event: unknown;
  requestId: string;
  xrayTraceId: string | undefined;
  /** Epoch ms the function's timeout ends at. */
  deadline: number;
}

export type WorkerReply =
  | { kind: 'ready' }
  | { kind: 'init-failed'; error: string }
  | { kind: 'result'; id: number; result: unknown }
  | { kind: 'error'; id: number; error: { name: string; message: string } };
