// One run of test/edge/programs in each edge runtime, as a child process: Deno and Bun run the
// TypeScript sources as they are, a Worker is bundled and served by workerd (./workerd.ts). Each
// answers the SampleResult of its sends. Deno or Bun not exiting by itself after the producer's
// shutdown (a timer or socket left behind) fails the run; workerd cancels what a request leaves
// behind without a word, so there the exits of Deno and Bun stand for it.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CACHE_DIR, REPO_ROOT } from '../../../infra/local/config.ts';
import type { SampleRequest, SampleResult } from '../programs/send-sample.ts';

const PROGRAMS = join(REPO_ROOT, 'test', 'edge', 'programs');
const EXIT_WITHIN_MS = 20_000;

export interface ProgramRun extends SampleResult {
  /** What the runtime says it is: `Deno.version.deno`, `Bun.version`. */
  version?: string;
  ms: number;
}

type Request = Omit<SampleRequest, 'runtime'>;

/** Runs `binary args`, expecting one line of JSON on stdout and an exit of 0 within EXIT_WITHIN_MS. */
function runProgram(binary: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<ProgramRun> {
  const begun = Date.now();
  return new Promise((settle, fail) => {
    const child = spawn(binary, args, { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_WITHIN_MS);
    child.once('error', fail);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        const why = signal === 'SIGKILL' ? `did not exit within ${EXIT_WITHIN_MS} ms` : `exited with ${code ?? signal}`;
        fail(new Error(`${binary} ${args.join(' ')} ${why}\nstdout: ${stdout}\nstderr: ${stderr}`));
        return;
      }
      settle({ ...(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as ProgramRun), ms: Date.now() - begun });
    });
  });
}

const programArgs = (request: Request) => [request.nameServer, request.topic, request.run, String(request.count)];

/**
 * Deno with the least it needs: the network to the hosts given (the name server and brokers), and
 * the list of network interfaces, read once per producer for the local IPv4 in client ids and
 * UNIQ_KEY (MessageClientIDSetter); without it createProducer throws NotCapable.
 */
export function runDeno(binary: string, request: Request, hosts: string[]): Promise<ProgramRun> {
  const args = ['run', '--no-prompt', '--no-lock', `--allow-net=${hosts.join(',')}`, '--allow-sys=networkInterfaces', join(PROGRAMS, 'deno.ts')];
  // Deno's own cache (transpiled sources) stays in the project's cache, not the user's home.
  return runProgram(binary, [...args, ...programArgs(request)], { DENO_DIR: join(CACHE_DIR, 'edge', 'deno-dir') });
}

export function runBun(binary: string, request: Request): Promise<ProgramRun> {
  return runProgram(binary, [join(PROGRAMS, 'bun.ts'), ...programArgs(request)]);
}

/** One request to a Worker served by workerd: one producer started, used and shut down in it. */
export async function requestWorker(url: string, request: Request): Promise<ProgramRun> {
  const begun = Date.now();
  const query = new URLSearchParams({ nameServer: request.nameServer, topic: request.topic, run: request.run, count: String(request.count) });
  const response = await fetch(`${url}/send?${query}`);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`the Worker answered ${response.status}: ${text}`);
  return { ...(JSON.parse(text) as SampleResult), ms: Date.now() - begun };
}
