// MANAGED_INSTANCES, the local server's switch to run functions as Lambda Managed Instances do:
//   unset, "" or "off"  one invocation at a time in the server's process (the default)
//   "on"                one worker thread per core, 64 invocations at once in each (Lambda's defaults)
//   "<W>x<M>"           W worker threads, M invocations at once in each (e.g. "2x64")
import { availableParallelism } from 'node:os';
import { StackError } from '../errors.ts';

export interface ManagedInstancesShape {
  workers: number;
  maxConcurrency: number;
}

/** Lambda's bounds: PerExecutionEnvironmentMaxConcurrency is 1 to 1600. */
const MAX_CONCURRENCY = 1600;
const MAX_WORKERS = 64;

export function readManagedInstances(value: string | undefined): ManagedInstancesShape | undefined {
  const text = (value ?? '').trim().toLowerCase();
  if (text === '' || text === 'off') return undefined;
  if (text === 'on') return { workers: availableParallelism(), maxConcurrency: 64 };
  const match = /^(\d+)x(\d+)$/.exec(text);
  const [workers, maxConcurrency] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
  if (workers < 1 || workers > MAX_WORKERS || maxConcurrency < 1 || maxConcurrency > MAX_CONCURRENCY) {
    throw new StackError(
      `MANAGED_INSTANCES must be "on", "off" or <workers>x<invocations> (1-${MAX_WORKERS} x 1-${MAX_CONCURRENCY}, e.g. 2x64), not "${value}".`,
    );
  }
  return { workers, maxConcurrency };
}
