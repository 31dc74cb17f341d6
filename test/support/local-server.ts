// `npm start`'s server (infra/local/start.ts) in a process of its own, for the tests that drive it
// with real HTTP requests.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export interface LocalServer {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
}

/** Starts the server with `env` and resolves once it says it is ready; throws with its output if it does not within `limitMs`. */
export async function startLocalServer(env: NodeJS.ProcessEnv, limitMs = 60_000): Promise<LocalServer> {
  // tsx as a loader of this process, not its CLI: the CLI runs the script in a child of its own,
  // which a SIGKILL of the CLI leaves running (a server and its producer orphaned after the tests).
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], { cwd: ROOT, env });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + limitMs;
  while (!output.includes('Ready.') && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (!output.includes('Ready.')) throw new Error(`the local server did not start:\n${output}`);
  return { child, output: () => output };
}
