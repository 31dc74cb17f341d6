// Memory of a warm container: the heap (after a full GC) and RSS across 100,000 sends, and, with
// --soak, across minutes of sends at a bounded rate; growth would be a leak (the response table,
// the pending set, the fault table).
import { TSX, runJson } from './util.ts';

export interface MemoryCheckpoint {
  phase: string;
  sent: number;
  seconds: number;
  heapMiB: number;
  rssMiB: number;
  inFlight: number;
  pending: number;
}

export interface MemoryResult {
  sends: number;
  soakSeconds: number;
  soakRate: number;
  checkpoints: MemoryCheckpoint[];
}

export async function runMemory(nameServer: string, soakSeconds: number, soakRate = 500): Promise<MemoryResult> {
  const sends = 100_000;
  const { checkpoints } = await runJson<{ checkpoints: MemoryCheckpoint[] }>(
    process.execPath,
    [TSX, 'bench/memory-load.ts', nameServer, 'TopicTest', String(sends), String(soakSeconds), String(soakRate)],
    { timeoutMs: 120_000 + soakSeconds * 1000 * 2 },
  );
  return { sends, soakSeconds, soakRate, checkpoints };
}
