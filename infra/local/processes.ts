// Detached service processes: spawn with output to a log file, wait for a line, signal by pid.
// The services outlive the command that started them (`npm run stack:up` returns at once), so
// everything is done by pid and log file, never through a ChildProcess handle.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { StackError } from './errors.ts';

export interface SpawnedService {
  pid: number;
  logFile: string;
  /** Size of the log file when this process was spawned: a restart appends to the same file. */
  logOffset: number;
}

/** Throws one clear sentence when a required command is missing, instead of a spawn stack trace. */
export function requireCommand(command: string, purpose: string): void {
  const probe = spawnSync(command, ['-version'], { stdio: 'ignore' });
  const error = probe.error as NodeJS.ErrnoException | undefined;
  if (error?.code === 'ENOENT') {
    throw new StackError(`\`${command}\` was not found on PATH; ${purpose}.`);
  }
}

/** Every pid this process has spawned, so a failed start can take down what it began. */
export const spawnedPids: number[] = [];

export function spawnDetached(command: string, args: string[], options: { logFile: string; cwd: string; env?: NodeJS.ProcessEnv }): SpawnedService {
  const logOffset = existsSync(options.logFile) ? statSync(options.logFile).size : 0;
  const fd = openSync(options.logFile, 'a');
  try {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    if (child.pid === undefined) throw new StackError(`could not start ${command}`);
    child.unref();
    spawnedPids.push(child.pid);
    return { pid: child.pid, logFile: options.logFile, logOffset };
  } finally {
    closeSync(fd);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A JVM's main thread can turn zombie while its other threads are still exiting and still hold
  // its sockets and file locks; only a zombie with no threads left is gone.
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const state = /^State:\s+(\S)/m.exec(status)?.[1];
    const threads = Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? '1');
    return !(state === 'Z' && threads <= 1);
  } catch {
    return false; // /proc entry vanished between the two checks
  }
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** SIGTERM (the JVM runs its shutdown hooks), then SIGKILL after `graceMs`. */
export async function terminate(pid: number, graceMs = 10_000): Promise<void> {
  if (!isAlive(pid)) return;
  signal(pid, 'SIGCONT'); // a frozen process cannot run its shutdown hooks
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return;
    await sleep(100);
  }
  signal(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(50);
}

export async function killHard(pid: number): Promise<void> {
  signal(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(50);
}

export function tail(file: string, lines = 40): string {
  if (!existsSync(file)) return `(no ${file})`;
  const text = readFileSync(file, 'utf8')
    .split('\n')
    // RocketMQ's bundled logback prints its own configuration status on stdout; it is noise here.
    .filter((line) => !line.includes('|-INFO in') && !line.includes('|-WARN in'));
  return text.slice(-lines).join('\n');
}

/**
 * Waits until `pattern` appears in the log file. Fails early, with the log tail, when the process
 * exits, and with the log tail when `timeoutMs` runs out.
 */
export async function waitForLogLine(service: SpawnedService, pattern: RegExp, what: string, timeoutMs: number, extraLog?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = existsSync(service.logFile) ? readFileSync(service.logFile).subarray(service.logOffset).toString('utf8') : '';
    if (pattern.test(text)) return;
    const tails = () => `--- ${service.logFile}\n${tail(service.logFile)}${extraLog ? `\n--- ${extraLog}\n${tail(extraLog)}` : ''}`;
    if (!isAlive(service.pid)) {
      throw new StackError(`${what} exited before it was up.\n${tails()}`);
    }
    if (Date.now() > deadline) {
      throw new StackError(`${what} did not come up within ${timeoutMs} ms.\n${tails()}`);
    }
    await sleep(100);
  }
}
