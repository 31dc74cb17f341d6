// A worker thread's first module: TypeScript sources load through tsx, then the runtime loop runs.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.runtime);
