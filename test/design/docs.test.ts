// The documentation read against itself and the code: README and every page under docs/ link only
// to files that exist and to headings those files have, so a page moved or a heading renamed breaks
// here and not for a reader; the environment variable table of docs/functions.md names exactly the
// variables of the code's one list (VARIABLES), and that list exactly the variables the adapter and
// the functions read.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfig, VARIABLES } from '../../lib/lambda/config.ts';

const root = resolve(import.meta.dirname, '..', '..');
const PAGES = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** A page's text without its fenced code blocks (a `# comment` in a shell sample is no heading). */
const prose = (file: string) => readFileSync(join(root, file), 'utf8').replace(/^```[\s\S]*?^```/gm, '');

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, heading] of prose(file).matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = heading!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    result.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return result;
}

/** Relative links of a page, as [target file, anchor]. */
function links(file: string): { text: string; target: string; anchor: string | undefined }[] {
  return [...prose(file).matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((href) => !/^[a-z]+:/i.test(href))
    .map((href) => {
      const [path, anchor] = href.split('#') as [string, string | undefined];
      return { text: href, target: path === '' ? file : relative(root, resolve(root, dirname(file), path)), anchor };
    });
}

describe('the documentation', () => {
  it('has a README short enough to be a front door, with the two commands', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');

    expect(readme.split('\n').length).toBeLessThan(200);
    expect(readme).toContain('npm start');
    expect(readme).toContain('npm test');
  });

  it.each(PAGES)('%s links only to files and headings that exist', (page) => {
    const broken = links(page).filter(({ target, anchor }) => !existsSync(join(root, target)) || (anchor !== undefined && !anchors(target).has(anchor)));

    expect(broken.map((l) => l.text)).toEqual([]);
  });

  it.each(PAGES)('%s labels every code block ts (compiled by test/build/package.test.ts), sh or console', (page) => {
    const fences = [...readFileSync(join(root, page), 'utf8').matchAll(/^```(.*)\n[\s\S]*?^```$/gm)].map((m) => m[1]!);

    expect(fences.filter((label) => !['ts', 'sh', 'console'].includes(label))).toEqual([]);
  });

  it('links every page under docs/ from README', () => {
    const linked = new Set(links('README.md').map((l) => l.target));

    expect(PAGES.filter((p) => p !== 'README.md' && !linked.has(p))).toEqual([]);
  });
});

/** Set by the Lambda runtime, not by whoever deploys: read by the code, listed nowhere. */
const RUNTIME_VARIABLES = ['AWS_LAMBDA_FUNCTION_NAME', 'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_LAMBDA_MAX_CONCURRENCY', 'LAMBDA_TASK_ROOT', '_X_AMZN_TRACE_ID'];
const ENV_NAME = '[A-Z_][A-Z0-9_]*';

/** The variables the table under "Environment variables" in docs/functions.md names in its first column. */
function documented(): string[] {
  const page = readFileSync(join(root, 'docs', 'functions.md'), 'utf8');
  const section = page.split(/^## /m).find((s) => s.startsWith('Environment variables\n'));
  if (!section) throw new Error('docs/functions.md has no "## Environment variables" section');
  const firstCells = [...section.matchAll(/^\| ([^|]+) \|/gm)].map((m) => m[1]!);
  return firstCells.flatMap((cell) => [...cell.matchAll(new RegExp(`\`(${ENV_NAME})\``, 'g'))].map((m) => m[1]!));
}

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    return entry.isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * The variables the deployed code reads: every `env.NAME` and `env['NAME']` in lib/ and functions/
 * (the operator CLI, which runs on a workstation, aside), and what readConfig asks of an
 * environment when it runs, which also covers the names it builds (`${name}_FILE`, loops).
 */
function readByCode(): string[] {
  const names = new Set<string>();
  const files = [...sources('lib'), ...sources('functions')].filter((f) => !f.startsWith('lib/cli/'));
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const m of text.matchAll(new RegExp(`\\benv(?:\\.(${ENV_NAME})|\\[\\s*'(${ENV_NAME})'\\s*\\])`, 'g'))) names.add((m[1] ?? m[2])!);
  }
  const env = new Proxy<NodeJS.ProcessEnv>(
    { NAMESRV_ADDR: '127.0.0.1:9876', PRODUCER_GROUP: 'docs' },
    {
      get(target, key) {
        if (typeof key === 'string') names.add(key);
        return target[key as string];
      },
    },
  );
  readConfig(env);
  return [...names].filter((name) => !RUNTIME_VARIABLES.includes(name)).sort();
}

describe('the environment variables', () => {
  const listed = Object.keys(VARIABLES).sort();

  it("documented in docs/functions.md are exactly those of the code's one list (VARIABLES)", () => {
    const table = documented();

    expect(table.filter((name, i) => table.indexOf(name) !== i)).toEqual([]);
    expect({ undocumented: listed.filter((n) => !table.includes(n)), notInTheList: table.filter((n) => !listed.includes(n)) }).toEqual({
      undocumented: [],
      notInTheList: [],
    });
  });

  it('set by serverless.yml are all in the one list (NODE_OPTIONS, which Node reads, aside)', () => {
    const deployed = [...readFileSync(join(root, 'serverless.yml'), 'utf8').matchAll(new RegExp(`^\\s+(${ENV_NAME}):`, 'gm'))].map((m) => m[1]!);

    expect(deployed).toContain('TARGET_TOPIC');
    expect(deployed.filter((n) => n !== 'NODE_OPTIONS' && !listed.includes(n))).toEqual([]);
  });

  it('in the one list are exactly those the adapter and the functions read', () => {
    const read = readByCode();

    expect(read).toContain('TARGET_TOPIC');
    expect(read).toContain('ROCKETMQ_TLS_CA_FILE');
    expect({ readButNotListed: read.filter((n) => !listed.includes(n)), listedButNeverRead: listed.filter((n) => !read.includes(n)) }).toEqual({
      readButNotListed: [],
      listedButNeverRead: [],
    });
  });
});
