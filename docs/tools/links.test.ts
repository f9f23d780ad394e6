import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { headingAnchors } from './markdown.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const markdownFiles = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.md'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\n')
  .filter((file) => file && existsSync(join(root, file)));

/** Relative links of a Markdown document (`[text](target)`), outside code fences and spans. */
function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((target) => !/^[a-z]+:/.test(target));
}

describe.each(markdownFiles)('%s', (path) => {
  it('links only to files of the repository that exist, and to headings that exist in them', () => {
    const markdown = readFileSync(join(root, path), 'utf8');
    const broken = relativeLinks(markdown).filter((link) => {
      const [file, anchor] = link.split('#');
      const target = file ? join(dirname(join(root, path)), file) : join(root, path);
      if (relative(root, target).startsWith('..') || !existsSync(target)) return true;
      return (
        anchor !== undefined && target.endsWith('.md') && !headingAnchors(readFileSync(target, 'utf8')).has(anchor)
      );
    });
    expect(broken).toEqual([]);
  });
});
