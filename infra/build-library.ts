// Emits the package's library: lib/ as ESM JavaScript with .d.ts types and source maps into
// dist/lib (tsconfig.build.json), which package.json's exports point at. `npm run build` and
// `npm pack` (prepack) run it.
//
//   tsx infra/build-library.ts
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));

function declarationFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? declarationFiles(path) : path.endsWith('.d.ts') ? [path] : [];
  });
}

/** Returns the output folder. */
export function buildLibrary(out = join(root, 'dist', 'lib')): string {
  rmSync(out, { recursive: true, force: true });
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', out], {
    stdio: 'inherit',
  });
  // tsc rewrites ".ts" specifiers in the JavaScript it emits (rewriteRelativeImportExtensions) but
  // leaves them in declaration files, where a consumer's compiler would look for .ts sources.
  for (const file of declarationFiles(out)) {
    const text = readFileSync(file, 'utf8');
    const fixed = text.replace(/((?:from|import)\s*\(?\s*['"]\.{1,2}\/[^'"]+)\.ts(['"])/g, '$1.js$2');
    if (fixed !== text) writeFileSync(file, fixed);
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  // stderr: this runs as prepack, and `npm pack --json` must print JSON alone on stdout.
  process.stderr.write(`library emitted to ${buildLibrary()}\n`);
}
