// Bundles each handler `functions/<name>/index.ts` into its own Lambda artifact:
// `dist/<name>/index.mjs` (+ chunks for code loaded on demand, + source maps) and
// `dist/<name>.zip`, minified, with a size report.
// serverless.yml points `package.artifact` at the zips; the cold-start benchmark imports the .mjs.
//
//   tsx infra/build.ts [--src functions] [--out dist] [--external-sdk]
//
// The AWS SDK is bundled by default so a deployment runs the SDK version it was tested with, not
// whatever the runtime ships; --external-sdk leaves `@aws-sdk/*` to the Lambda runtime.
import { build } from 'esbuild';
import { zipSync } from 'fflate';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export interface BuildOptions {
  src: string;
  out: string;
  externalSdk?: boolean;
}

export interface ArtifactReport {
  name: string;
  bundleBytes: number;
  zipBytes: number;
  zip: string;
  /** What the entry file a cold start loads is made of: bytes per package, largest first. */
  entryModules: { module: string; bytes: number }[];
}

/** The package a bundled input belongs to (scoped packages by their scope), or our own folder. */
function moduleOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return input.split('/')[0] ?? input;
  const [first, second] = input.slice(at + 'node_modules/'.length).split('/');
  return first?.startsWith('@') ? (first === '@aws-sdk' || first === '@smithy' ? first : `${first}/${second}`) : (first ?? input);
}

// ESM output still meets CommonJS dependencies that call require() for Node built-ins.
const ESM_REQUIRE_SHIM = "import { createRequire as __createRequire } from 'node:module';const require = __createRequire(import.meta.url);";

// A fixed timestamp keeps zips byte-identical across builds of the same code.
const ZIP_MTIME = new Date('2020-01-01T00:00:00Z');

export function findHandlers(src: string): string[] {
  if (!existsSync(src)) return [];
  return readdirSync(src)
    .filter((name) => existsSync(join(src, name, 'index.ts')))
    .sort();
}

export async function buildFunctions(options: BuildOptions): Promise<ArtifactReport[]> {
  const reports: ArtifactReport[] = [];
  for (const name of findHandlers(options.src)) {
    const dir = join(options.out, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const result = await build({
      metafile: true,
      entryPoints: { index: join(options.src, name, 'index.ts') },
      outdir: dir,
      outExtension: { '.js': '.mjs' },
      // Code reached only through import() (reading secrets from SSM or Secrets Manager) goes into
      // chunks of its own, so a cold start that does not need it neither loads nor parses it.
      splitting: true,
      chunkNames: 'chunk-[hash]',
      bundle: true,
      minify: true,
      sourcemap: 'linked',
      sourcesContent: false,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      banner: { js: ESM_REQUIRE_SHIM },
      external: options.externalSdk ? ['@aws-sdk/*', '@smithy/*'] : [],
      legalComments: 'none',
      logLevel: 'warning',
    });
    const files: Record<string, [Uint8Array, { mtime: Date }]> = {};
    for (const file of readdirSync(dir)) files[file] = [readFileSync(join(dir, file)), { mtime: ZIP_MTIME }];
    const zip = join(options.out, `${name}.zip`);
    writeFileSync(zip, zipSync(files, { level: 9 }));
    // The entry file and the chunks it imports statically: what a cold start loads before the handler runs.
    const outputs = result.metafile!.outputs;
    const loaded = new Set<string>();
    const visit = (file: string) => {
      if (loaded.has(file) || !outputs[file]) return;
      loaded.add(file);
      for (const imported of outputs[file].imports) if (imported.kind === 'import-statement') visit(imported.path);
    };
    visit(Object.keys(outputs).find((file) => file.endsWith('index.mjs'))!);
    const byModule = new Map<string, number>();
    for (const file of loaded) {
      for (const [input, { bytesInOutput }] of Object.entries(outputs[file]!.inputs)) {
        byModule.set(moduleOf(input), (byModule.get(moduleOf(input)) ?? 0) + bytesInOutput);
      }
    }
    reports.push({
      entryModules: [...byModule].map(([module, bytes]) => ({ module, bytes })).sort((a, b) => b.bytes - a.bytes),
      name,
      bundleBytes: readdirSync(dir)
        .filter((file) => file.endsWith('.mjs'))
        .reduce((bytes, file) => bytes + statSync(join(dir, file)).size, 0),
      zipBytes: statSync(zip).size,
      zip,
    });
  }
  return reports;
}

function formatReport(reports: ArtifactReport[]): string {
  if (reports.length === 0) return 'no handlers found (functions/<name>/index.ts)';
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const rows = reports.map((r) => `${r.name.padEnd(24)} ${kib(r.bundleBytes).padStart(12)} ${kib(r.zipBytes).padStart(12)}`);
  return [`${'function'.padEnd(24)} ${'index.mjs'.padStart(12)} ${'zip'.padStart(12)}`, ...rows].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { values } = parseArgs({
    options: {
      src: { type: 'string', default: 'functions' },
      out: { type: 'string', default: 'dist' },
      'external-sdk': { type: 'boolean', default: false },
    },
  });
  const reports = await buildFunctions({
    src: values.src,
    out: values.out,
    externalSdk: values['external-sdk'],
  });
  mkdirSync(values.out, { recursive: true });
  writeFileSync(join(values.out, 'sizes.json'), `${JSON.stringify(reports, null, 2)}\n`);
  process.stdout.write(`${formatReport(reports)}\n`);
}
