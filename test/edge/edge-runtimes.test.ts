// The producer sends from the edge runtimes themselves, fetched from the npm registry by
// infra/edge-runtimes.ts: a Worker in Cloudflare's workerd (bundled with esbuild, `nodejs_compat`,
// a producer started and shut down inside each request), Deno and Bun (the TypeScript sources as
// they are). Each run sends messages to the local stack; every one is read back from its broker
// (body, tags, keys, user properties, UNIQ_KEY) and found again by its UNIQ_KEY, and no UNIQ_KEY
// repeats across runs, processes, isolates or runtimes.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { compatibilityDate, EDGE_RUNTIMES, ensureEdgeRuntime } from '../../infra/edge-runtimes.ts';
import { RemotingClient } from '../../lib/internal.ts';
import { queryByUniqueKey, viewByOffsetId } from '../support/read-back.ts';
import { sampleMessage } from './programs/send-sample.ts';
import { type ProgramRun, requestWorker, runBun, runDeno } from './support/runners.ts';
import { serveWorker } from './support/workerd.ts';

const stack = inject('stack');
const brokers = Object.values(stack.brokers).map((broker) => broker.address);
const hosts = [...new Set([stack.nameServer, ...brokers].map((address) => address.slice(0, address.lastIndexOf(':'))))];
const topic = 'TopicTest';
const count = 3;
const reader = new RemotingClient();
/** Every UNIQ_KEY any run in this file was given. */
const everyMsgId: string[] = [];

/** A run name no earlier test run used, so keys and properties point at this run's messages only. */
const runName = (label: string) => `${label}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
const request = (run: string) => ({ nameServer: stack.nameServer, topic, run, count });

/** Each message of `run` as its broker stored it, and again where its UNIQ_KEY leads. */
async function expectStored(run: ProgramRun, runtime: string): Promise<void> {
  expect(run.runtime).toBe(runtime);
  expect(run.results.map((result) => result.status)).toEqual(Array(count).fill('SEND_OK'));
  for (const [index, result] of run.results.entries()) {
    const sent = sampleMessage({ topic, run: run.run, runtime }, index);

    const stored = await viewByOffsetId(reader, result.offsetMsgId);
    const indexed = await queryByUniqueKey(reader, brokers, topic, result.msgId);

    expect(stored.topic).toBe(topic);
    expect(stored.queueId).toBe(result.queue.queueId);
    expect(stored.queueOffset).toBe(result.queueOffset);
    expect(stored.body.toString()).toBe(sent.body);
    expect(Object.fromEntries(stored.properties)).toMatchObject({ TAGS: sent.tags, KEYS: sent.keys.join(' '), UNIQ_KEY: result.msgId, ...sent.properties });
    expect(indexed.commitLogOffset).toBe(stored.commitLogOffset);
  }
  everyMsgId.push(...run.results.map((result) => result.msgId));
}

const distinct = (runs: ProgramRun[]) => {
  const ids = runs.flatMap((run) => run.results.map((result) => result.msgId));
  return { ids: ids.length, distinct: new Set(ids).size };
};

afterAll(() => reader.shutdown());

describe(`a Worker in workerd ${EDGE_RUNTIMES.workerd}`, () => {
  let workerd: string;
  beforeAll(() => {
    workerd = ensureEdgeRuntime('workerd');
  });

  it('sends from two requests of one isolate and one of another, each with a producer of its own, every message stored', async () => {
    const first = await serveWorker(workerd);
    const second = await serveWorker(workerd);
    try {
      const runs = [
        await requestWorker(first.url, request(runName('workerd-a1'))),
        await requestWorker(first.url, request(runName('workerd-a2'))),
        await requestWorker(second.url, request(runName('workerd-b1'))),
      ];

      for (const run of runs) await expectStored(run, 'workerd');
      expect(distinct(runs)).toEqual({ ids: 3 * count, distinct: 3 * count });
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('sends at an older compatibility date with nodejs_compat and the three Node features the producer uses turned on', async () => {
    // Without these flags the producer fails at 2025-09-01 (`nodejs_compat` has no node:os, and a
    // process without hrtime) and at 2026-02-01 (the global setTimeout returns a number, not a
    // Timeout with unref()); it works from 2025-09-15 and 2026-02-15 on (the dates tried).
    const flags = ['nodejs_compat', 'enable_nodejs_os_module', 'enable_nodejs_process_v2', 'enable_nodejs_global_timers'];
    const worker = await serveWorker(workerd, { compatibilityDate: '2024-09-23', compatibilityFlags: flags });
    try {
      const run = await requestWorker(worker.url, request(runName('workerd-2024')));

      await expectStored(run, 'workerd');
    } finally {
      await worker.close();
    }
  });

  it('is served at the compatibility date its release implements, read from the pinned version', () => {
    expect(compatibilityDate('1.20261123.1')).toBe('2026-11-23');
    expect(() => compatibilityDate('2.0.0')).toThrow(/not of the form 1.YYYYMMDD.n/);
  });
});

describe(`Deno ${EDGE_RUNTIMES.deno}`, () => {
  let deno: string;
  beforeAll(() => {
    deno = ensureEdgeRuntime('deno');
  });

  it('sends from the TypeScript sources in two processes, with network access to the stack only, every message stored', async () => {
    const runs = [await runDeno(deno, request(runName('deno-1')), hosts), await runDeno(deno, request(runName('deno-2')), hosts)];

    for (const run of runs) {
      expect(run.version).toBe(EDGE_RUNTIMES.deno);
      await expectStored(run, 'deno');
    }
    expect(distinct(runs)).toEqual({ ids: 2 * count, distinct: 2 * count });
  });
});

describe(`Bun ${EDGE_RUNTIMES.bun}`, () => {
  let bun: string;
  beforeAll(() => {
    bun = ensureEdgeRuntime('bun');
  });

  it('sends from the TypeScript sources in two processes, every message stored', async () => {
    const runs = [await runBun(bun, request(runName('bun-1'))), await runBun(bun, request(runName('bun-2')))];

    for (const run of runs) {
      expect(run.version).toBe(EDGE_RUNTIMES.bun);
      await expectStored(run, 'bun');
    }
    expect(distinct(runs)).toEqual({ ids: 2 * count, distinct: 2 * count });
  });
});

describe('UNIQ_KEY across the edge runtimes', () => {
  it('never repeats across every run, process, isolate and runtime above', () => {
    expect(everyMsgId.length).toBe(8 * count);
    expect(new Set(everyMsgId).size).toBe(everyMsgId.length);
  });
});
