// The esbuild script that turns functions/<name>/index.ts into Lambda artifacts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { buildFunctions } from '../../infra/build.ts';

const src = join(import.meta.dirname, '..', 'fixtures', 'functions');
const out = mkdtempSync(join(tmpdir(), 'build-test-'));

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('function build', () => {
  it('bundles a handler into a zip holding a minified index.mjs, its chunks and their source maps', async () => {
    const [report] = await buildFunctions({ src, out: join(out, 'bundled') });

    const zip = unzipSync(readFileSync(report!.zip));
    const files = Object.keys(zip).sort();
    expect(report!.name).toBe('echo');
    expect(files).toContain('index.mjs');
    expect(files.every((f) => f === 'index.mjs' || f === 'index.mjs.map' || /^chunk-[A-Z0-9]+\.mjs(\.map)?$/.test(f))).toBe(true);
    expect(files.filter((f) => f.endsWith('.mjs')).every((f) => files.includes(`${f}.map`))).toBe(true);
    const code = Buffer.from(zip['index.mjs']!).toString('utf8');
    // Plain booleans: a failing matcher on a bundle would print the whole bundle.
    expect(code.endsWith('//# sourceMappingURL=index.mjs.map\n')).toBe(true);
    // Minified: long lines (the SDK's template strings keep a few newlines of their own).
    expect(code.length / code.split('\n').length).toBeGreaterThan(2000);
    expect(report!.zipBytes).toBeLessThan(report!.bundleBytes);
  });

  it('produces a bundle that a fresh Node process imports and invokes without node_modules', async () => {
    const [report] = await buildFunctions({ src, out: join(out, 'run') });
    const bundle = join(out, 'run', report!.name, 'index.mjs');

    const stdout = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', `const m = await import(${JSON.stringify(bundle)}); console.log(JSON.stringify(await m.handler({ text: 'hi' })));`],
      { cwd: out, encoding: 'utf8' },
    );

    expect(JSON.parse(stdout)).toEqual({
      echo: 'hi',
      sha1: 'c22b5f9178342609428d6f51b2c5af4c0bde6a42',
      sdk: 'function',
    });
  });

  it('puts what a handler imports on demand in chunks of its own, loaded only when needed', async () => {
    const [report] = await buildFunctions({ src: join(import.meta.dirname, '..', 'fixtures', 'lazy-functions'), out: join(out, 'lazy') });
    const dir = join(out, 'lazy', 'lazy');
    const run = (event: object) =>
      execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(join(dir, 'index.mjs'))}); console.log(JSON.stringify(await m.handler(${JSON.stringify(event)})));`,
        ],
        {
          cwd: out,
          encoding: 'utf8',
        },
      );

    const entry = readFileSync(join(dir, 'index.mjs'));
    expect(Object.keys(unzipSync(readFileSync(report!.zip))).some((f) => f.startsWith('chunk-'))).toBe(true);
    expect(entry.length * 10).toBeLessThan(report!.bundleBytes);
    expect(JSON.parse(run({}))).toEqual({ loaded: false });
    expect(JSON.parse(run({ needSsm: true }))).toEqual({ loaded: true });
  });

  it('keeps the AWS SDK out of what importing the real functions loads: the DynamoDB client comes with STATE_TABLE, in the init phase', async () => {
    const reports = await buildFunctions({ src: join(import.meta.dirname, '..', '..', 'functions'), out: join(out, 'real') });

    for (const report of reports) {
      const loaded = report.entryModules.map((m) => m.module);
      expect(loaded, report.name).toContain('lib');
      expect(
        loaded.filter((m) => m === '@aws-sdk' || m === '@smithy'),
        report.name,
      ).toEqual([]);
    }
    // ... and the SDK is in the artifact, in a chunk of its own.
    expect(reports.every((r) => r.bundleBytes > 4 * r.entryModules.reduce((n, m) => n + m.bytes, 0))).toBe(true);
  });

  it('leaves the AWS SDK to the runtime with externalSdk, making the bundle much smaller', async () => {
    const [bundled] = await buildFunctions({ src, out: join(out, 'with-sdk') });
    const [external] = await buildFunctions({ src, out: join(out, 'without-sdk'), externalSdk: true });

    const code = readFileSync(join(out, 'without-sdk', 'echo', 'index.mjs'), 'utf8');
    expect(/from\s*"@aws-sdk\/client-dynamodb"/.test(code)).toBe(true);
    expect(external!.bundleBytes * 5).toBeLessThan(bundled!.bundleBytes);
  });
});
