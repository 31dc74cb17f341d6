// The one-way doors of lib/, read from the code: a folder may import only from folders below it,
// no two files import each other through any path, and functions/ and the CLI reach lib/ only
// through the package's public entry points (functions/ also through lib/lambda/functions-kit.ts,
// what they are built from beside them). A function imports its own folder and functions/shared/,
// the code two functions run alike (HTTP publish on Lambda and on Workers), which is no function
// and imports no function. The order, top to bottom:
//   functions -> lib/cli -> lib entry points -> lib/lambda -> lib/transactions -> lib/producer -> lib/state
//   -> lib/route -> lib/protocol -> lib/message -> lib/remoting -> lib/rules.ts -> lib/errors.ts
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const ORDER = [
  'lib/errors.ts',
  'lib/rules.ts',
  'lib/remoting',
  'lib/message',
  'lib/protocol',
  'lib/route',
  'lib/state',
  'lib/trace',
  'lib/producer',
  'lib/transactions',
  'lib/lambda',
  'lib (entry points)',
  'lib/cli',
  'functions',
];
/** What a user imports: the package's exports (package.json) and the tests' internal entry. */
const ENTRY_POINTS = ['lib/index.ts', 'lib/internal.ts', 'lib/lambda/index.ts', 'lib/dynamodb.ts', 'lib/edge.ts'];
/** What two functions share; it imports no function folder. */
const FUNCTIONS_SHARED = 'functions/shared';
const PUBLIC_ENTRY_POINTS = ENTRY_POINTS.filter((e) => e !== 'lib/internal.ts');
/** What the shipped functions are built from besides the public entry points; not a package export. */
const FUNCTIONS_KIT = 'lib/lambda/functions-kit.ts';

function files(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(root, path)).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Relative imports of a file (static and dynamic, `import type` included), as repo paths. */
function imports(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const found = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
  return found.map((spec) => relative(root, resolve(root, dirname(file), spec)));
}

function layer(file: string): string {
  if (file === 'lib/index.ts' || file === 'lib/internal.ts' || file === 'lib/dynamodb.ts' || file === 'lib/edge.ts') return 'lib (entry points)';
  if (file.startsWith('functions/')) return 'functions';
  if (file === 'lib/errors.ts' || file === 'lib/rules.ts') return file;
  return file.split('/').slice(0, 2).join('/');
}

const sources = [...files('lib'), ...files('functions')];
const graph = new Map(sources.map((file) => [file, imports(file)]));

describe('import graph of lib/ and functions/', () => {
  it('knows the layer of every file', () => {
    expect(sources.map(layer).filter((l) => !ORDER.includes(l))).toEqual([]);
  });

  it('has no import from a layer above (one-way doors)', () => {
    const wrong: string[] = [];
    for (const [file, targets] of graph) {
      for (const target of targets) {
        const [from, to] = [ORDER.indexOf(layer(file)), ORDER.indexOf(layer(target))];
        const otherFunction = to === from && layer(file) === 'functions' && dirname(file) !== dirname(target) && dirname(target) !== FUNCTIONS_SHARED;
        if (to > from || otherFunction) wrong.push(`${file} -> ${target}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('lets functions/ and the CLI import lib/ only through the public entry points (functions/ also through their kit)', () => {
    const consumer = (file: string) => file.startsWith('functions/') || file.startsWith('lib/cli/');
    const allowed = (file: string, target: string) =>
      PUBLIC_ENTRY_POINTS.includes(target) ||
      (file.startsWith('lib/cli/') && target.startsWith('lib/cli/')) ||
      (file.startsWith('functions/') && target === FUNCTIONS_KIT);
    const wrong = [...graph].flatMap(([file, targets]) =>
      consumer(file) ? targets.filter((t) => t.startsWith('lib/') && !allowed(file, t)).map((t) => `${file} -> ${t}`) : [],
    );
    expect(wrong).toEqual([]);
  });

  it('keeps the functions kit out of the package exports and out of the public "./lambda" entry', () => {
    const exported = Object.values(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).exports as Record<string, unknown>);
    expect(JSON.stringify(exported)).not.toContain('functions-kit');
    expect(graph.get('lib/lambda/index.ts')).not.toContain(FUNCTIONS_KIT);
    expect(PUBLIC_ENTRY_POINTS.flatMap((e) => graph.get(e) ?? [])).not.toContain(FUNCTIONS_KIT);
  });

  it('has no cycle between files', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '));
        return;
      }
      state.set(file, 'open');
      for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('finds the entry points it checks', () => {
    expect(ENTRY_POINTS.filter((e) => !graph.has(e))).toEqual([]);
  });
});
