// A new user without Java or Maven gets one sentence naming the missing tool, not a stack trace.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'prereq-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs `stack:up` with a PATH holding only the named tools, away from the running test stack. */
function stackUpWith(tools: Record<string, string>) {
  const bin = mkdtempSync(join(scratch, 'bin-'));
  for (const [name, target] of Object.entries(tools)) symlinkSync(target, join(bin, name));
  return spawnSync(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'infra/local/cli.ts', 'up'], {
    cwd: root,
    encoding: 'utf8',
    env: {
      PATH: bin,
      HOME: scratch,
      STACK_PORT_OFFSET: '990',
      STACK_DIR: join(scratch, 'stack'),
      STACK_CACHE_DIR: join(scratch, 'cache'),
    },
  });
}

describe('missing prerequisites', () => {
  it('names java in one sentence when it is not on PATH', () => {
    const run = stackUpWith({ node: process.execPath });

    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual(['`java` was not found on PATH; Java 17 is needed to run the local RocketMQ and DynamoDB Local.']);
  });

  it('names mvn in one sentence when the jars are not cached and Maven is not on PATH', () => {
    const java = spawnSync('sh', ['-c', 'command -v java'], { encoding: 'utf8' }).stdout.trim();

    const run = stackUpWith({ node: process.execPath, java });

    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual(['`mvn` was not found on PATH; Apache Maven is needed to fetch the RocketMQ jars from Maven Central.']);
  });
});
