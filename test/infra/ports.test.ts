// STACK_PORT_OFFSET: every offset the stack accepts gets ports no other accepted offset uses, and a
// refused one is reported in one sentence before anything starts.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StackError } from '../../infra/local/errors.ts';
import { allPorts, parsePortOffset, stackPorts } from '../../infra/local/ports.ts';

const root = join(import.meta.dirname, '..', '..');
const REFUSED_1000 =
  'STACK_PORT_OFFSET=1000 is refused: use a multiple of 10 from 0 to 990, ' + 'so that every port stays valid and no two local stacks share one.';

function refusal(raw: string): Error | undefined {
  try {
    parsePortOffset(raw);
  } catch (err) {
    return err as Error;
  }
  return undefined;
}

/** Offsets the stack accepts among every whole number that could put a port anywhere in 1..65535. */
function acceptedOffsets(): number[] {
  const accepted: number[] = [];
  for (let offset = -65_535; offset <= 65_535; offset++) {
    try {
      accepted.push(parsePortOffset(String(offset)));
    } catch (err) {
      if (!(err instanceof StackError)) throw err;
    }
  }
  return accepted;
}

describe('STACK_PORT_OFFSET', () => {
  it('keeps the documented addresses at offset 0 and when unset', () => {
    const ports = stackPorts(parsePortOffset(undefined));

    expect(ports).toEqual(stackPorts(0));
    expect(allPorts(ports)).toEqual([18000, 18001, 18002, 18003, 19876, 20909, 20911, 20912, 21909, 21911, 21912]);
  });

  it('gives no two stacks with different accepted offsets a common port, and every port a valid one', () => {
    const accepted = acceptedOffsets();
    const owner = new Map<number, number>();
    const clashes: string[] = [];

    for (const offset of accepted) {
      for (const port of allPorts(stackPorts(offset))) {
        if (port < 1 || port > 65_535) clashes.push(`offset ${offset} uses port ${port}`);
        const other = owner.get(port);
        if (other !== undefined && other !== offset) clashes.push(`offsets ${other} and ${offset} share port ${port}`);
        owner.set(port, offset);
      }
    }

    expect(accepted).toContain(0);
    expect(accepted).toContain(300);
    expect(accepted.length).toBeGreaterThanOrEqual(100);
    expect({ count: clashes.length, first: clashes.slice(0, 3) }).toEqual({ count: 0, first: [] });
  });

  it('refuses 1000, whose broker-a would take the ports of broker-b at offset 0, in one sentence', () => {
    expect(stackPorts(1000).brokers['broker-a']).toEqual(stackPorts(0).brokers['broker-b']);

    const error = refusal('1000');

    expect(error).toBeInstanceOf(StackError);
    expect(error?.message).toBe(REFUSED_1000);
  });

  it('refuses offsets that are not whole numbers', () => {
    for (const raw of ['1.5', 'abc', '3e2', '0x10']) {
      const error = refusal(raw);

      expect(error).toBeInstanceOf(StackError);
      expect(error?.message).toBe(`STACK_PORT_OFFSET must be a whole number, not "${raw}".`);
    }
  });

  it('is printed by the command line as that one sentence', () => {
    const run = spawnSync(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'infra/local/cli.ts', 'status'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, STACK_PORT_OFFSET: '1000' },
    });

    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([REFUSED_1000]);
  });
});
