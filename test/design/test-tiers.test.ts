// The test tiers, read from their configuration and the code: the unit tier has no global setup
// and none of its files reaches the local stack (test/setup, a module that starts Java, the
// stack's addresses through inject), so `npm run test:unit` starts no service and no Java process;
// `npm test` runs every test file in exactly one project; the runtime tier runs its unit files too.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUNTIME_PROJECTS, RUNTIME_TIER } from '../../infra/runtimes.ts';
import config from '../../vitest.config.ts';

const root = resolve(import.meta.dirname, '..', '..');

interface Project {
  name: string;
  include: string[];
  exclude: string[];
  globalSetup: unknown;
}
const projects: Project[] = (config.test?.projects ?? []).map((entry) => {
  const test = (entry as { test: { name: string; include?: string[]; exclude?: string[]; globalSetup?: unknown } }).test;
  return { name: test.name, include: test.include ?? [], exclude: test.exclude ?? [], globalSetup: test.globalSetup };
});
const unit = projects.find((p) => p.name === 'unit')!;

/** A vitest glob as a RegExp over repository paths: `**` any folders, `*` any part of a name. */
function globPattern(glob: string): RegExp {
  const parts = glob.split(/(\*\*\/|\*\*|\*)/).map((part) => {
    if (part === '**/') return '(?:.*/)?';
    if (part === '**') return '.*';
    if (part === '*') return '[^/]*';
    return part.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  });
  return new RegExp(`^${parts.join('')}$`);
}
const matches = (file: string, globs: string[]) => globs.some((glob) => globPattern(glob).test(file));
const runsIn = (file: string, project: Project) => matches(file, project.include) && !matches(file, project.exclude);

function files(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(root, path)).isDirectory() ? files(path) : [path];
  });
}
const testFiles = files('test').filter((f) => f.endsWith('.test.ts'));
const unitFiles = testFiles.filter((f) => runsIn(f, unit));

/** Relative imports of a file (static and dynamic), as repository paths. */
function imports(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => relative(root, resolve(root, dirname(file), m[1]!)));
}

/** What makes a module reach the stack: the test set-up, a Java or Maven process, a stack command, the stack's addresses. */
function reachesStack(file: string): string | undefined {
  if (file.startsWith('test/setup/')) return 'is the global set-up that starts the stack';
  const text = readFileSync(join(root, file), 'utf8');
  if (/'(java|mvn)'/.test(text)) return 'starts Java or Maven';
  if (/infra\/local\/(start|cli)\.ts/.test(text)) return 'runs `npm start` or the stack command';
  if (/\binject\(|import\s*\{[^}]*\binject\b[^}]*\}\s*from\s*'vitest'/.test(text)) return "reads the stack's addresses (inject)";
  return undefined;
}

/** Every module `file` loads, itself included, and why each that reaches the stack does. */
function stackReached(file: string): string[] {
  const seen = new Set<string>();
  const found: string[] = [];
  const pending = [file];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    if (!existsSync(join(root, next))) {
      found.push(`${next}: not found`);
      continue;
    }
    const why = reachesStack(next);
    if (why) found.push(`${next} ${why}`);
    if (next.endsWith('.ts')) pending.push(...imports(next));
  }
  return found;
}

describe('the unit tier', () => {
  it('has no global set-up, nor one inherited from the root', () => {
    expect(unit.globalSetup).toBeUndefined();
    expect(config.test?.globalSetup).toBeUndefined();
    expect(unitFiles).toContain('test/remoting/frame.test.ts');
  });

  it('loads nothing that starts the stack, Java or Maven, or reads the stack through inject', () => {
    const reached = unitFiles.flatMap((file) => stackReached(file).map((why) => `${file}: ${why}`));

    expect(reached).toEqual([]);
  });

  it('is told from a file that reaches the stack', () => {
    expect(stackReached('test/lambda/publish.test.ts')).toContain("test/lambda/publish.test.ts reads the stack's addresses (inject)");
    expect(stackReached('test/smoke/dynamodb.test.ts').some((why) => why.startsWith('infra/local/dynamodb.ts starts Java'))).toBe(true);
  });
});

describe('npm test', () => {
  it('runs every test file in exactly one project, and the cluster shapes in none', () => {
    const wrong = testFiles.flatMap((file) => {
      const owners = projects.filter((p) => runsIn(file, p)).map((p) => p.name);
      const expected = file.startsWith('test/clusters/') ? 0 : 1;
      return owners.length === expected ? [] : [`${file}: ${owners.join(', ') || 'no project'}`];
    });

    expect(wrong).toEqual([]);
  });
});

describe('the runtime tier', () => {
  it('runs each test file under its paths in a project it names', () => {
    const tier = testFiles.filter((file) => RUNTIME_TIER.some((path) => file.startsWith(`${path}/`)));
    const missed = tier.filter((file) => !projects.some((p) => runsIn(file, p) && RUNTIME_PROJECTS.includes(p.name)));

    expect(tier.filter((file) => runsIn(file, unit)).length).toBeGreaterThan(10);
    expect(missed).toEqual([]);
  });
});
