// The documentation read against itself: README and every page under docs/ link only to files
// that exist and to headings those files have, so a page moved or a heading renamed breaks here
// and not for a reader.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

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

  it('links every page under docs/ from README', () => {
    const linked = new Set(links('README.md').map((l) => l.target));

    expect(PAGES.filter((p) => p !== 'README.md' && !linked.has(p))).toEqual([]);
  });
});
