// The edge runtimes the edge tier (test/edge/, `npm run test:edge`) sends from: Cloudflare's
// workerd, Deno and Bun, each fetched from the npm registry as its platform package (the one the
// package `workerd`, `deno` or `bun` lists as an optional dependency and whose binary its own
// launcher runs) with `npm pack`, no install scripts run, into the untracked cache
// (`.cache/edge/<runtime>`), and its `--version` checked before use (infra/registry-binary.ts).
//
//   tsx infra/edge-runtimes.ts               fetch and check every runtime, print where each is
//   tsx infra/edge-runtimes.ts deno bun      the ones named
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CACHE_DIR } from './local/config.ts';
import { StackError } from './local/errors.ts';
import { ensureRegistryBinary, type RegistryBinary } from './registry-binary.ts';

/**
 * The releases the edge tier runs (`npm view <name> version` when last raised): the one place
 * they are written; raise them here. workerd's version carries its compatibility date, the
 * newest date it implements (1.20261123.1: 2026-11-23).
 */
export const EDGE_RUNTIMES = {
  workerd: '1.20261123.1',
  deno: '2.9.6',
  bun: '1.4.5',
} as const;
export type EdgeRuntime = keyof typeof EDGE_RUNTIMES;

type Arch = 'x64' | 'arm64';

/** Per runtime: its platform package on Linux, where the package keeps the binary, what `--version` prints. */
const PLATFORM_PACKAGES: Record<EdgeRuntime, { name: Record<Arch, string>; binary: string; reports: (version: string) => string }> = {
  workerd: {
    name: { x64: '@cloudflare/workerd-linux-64', arm64: '@cloudflare/workerd-linux-arm64' },
    binary: join('bin', 'workerd'),
    reports: (version) => `workerd ${compatibilityDate(version)}`,
  },
  deno: {
    name: { x64: '@deno/linux-x64-glibc', arm64: '@deno/linux-arm64-glibc' },
    binary: 'deno',
    reports: (version) => `deno ${version}`,
  },
  bun: {
    // Built for CPUs with AVX2; `@oven/bun-linux-x64-baseline` is the build for older x64 CPUs.
    name: { x64: '@oven/bun-linux-x64', arm64: '@oven/bun-linux-aarch64' },
    binary: join('bin', 'bun'),
    reports: (version) => version,
  },
};

/** workerd `1.YYYYMMDD.n` as the compatibility date it implements, `YYYY-MM-DD`. */
export function compatibilityDate(version: string = EDGE_RUNTIMES.workerd): string {
  const date = /^1\.(\d{4})(\d{2})(\d{2})\.\d+$/.exec(version);
  if (!date) throw new StackError(`workerd ${version} is not of the form 1.YYYYMMDD.n`);
  return `${date[1]}-${date[2]}-${date[3]}`;
}

/** What is fetched for `runtime` on this machine (glibc Linux on x64 or arm64; CI runs Linux). */
export function edgePackage(runtime: EdgeRuntime, platform: NodeJS.Platform = process.platform, arch: string = process.arch): RegistryBinary {
  if (platform !== 'linux' || (arch !== 'x64' && arch !== 'arm64')) {
    throw new StackError(`the edge tier fetches its runtimes for Linux on x64 and arm64 only, not for ${platform} on ${arch}`);
  }
  const pkg = PLATFORM_PACKAGES[runtime];
  const version = EDGE_RUNTIMES[runtime];
  return { spec: `${pkg.name[arch]}@${version}`, dir: join(CACHE_DIR, 'edge', runtime), binary: pkg.binary, reports: pkg.reports(version) };
}

/** The binary of `runtime` at its pinned version, fetched when missing or of another version. */
export function ensureEdgeRuntime(runtime: EdgeRuntime): string {
  return ensureRegistryBinary(edgePackage(runtime));
}

function main(argv: string[]): void {
  const runtimes = argv.length ? argv : Object.keys(EDGE_RUNTIMES);
  for (const runtime of runtimes) {
    if (!(runtime in EDGE_RUNTIMES)) throw new StackError(`the edge runtimes are ${Object.keys(EDGE_RUNTIMES).join(', ')}, not "${runtime}"`);
  }
  for (const runtime of runtimes as EdgeRuntime[]) {
    process.stderr.write(`${runtime} ${EDGE_RUNTIMES[runtime]}: ${ensureEdgeRuntime(runtime)}\n`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof StackError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  }
}
