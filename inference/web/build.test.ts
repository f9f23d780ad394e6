import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildWebPage } from './build.ts';

describe('npm run build:web', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('bundles the page into index.html and two small hashed assets that it names', async () => {
    const out = await mkdtemp(join(tmpdir(), 'web-build-'));
    dirs.push(out);
    const files = await buildWebPage(out);
    const names = files.map((f) => f.path.slice(out.length + 1));
    // Sorted with the content hashes masked: the hashes alone would decide whether .css or .js comes first.
    const unhashed = names.map((name) => name.replace(/^assets\/app-[A-Z0-9]+\./, 'assets/app-#.')).sort();
    expect(unhashed).toEqual(['assets/app-#.css', 'assets/app-#.js', 'index.html']);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    for (const name of names.filter((n) => n.startsWith('assets/'))) {
      expect(html).toContain(`"${name}"`);
      expect(existsSync(join(out, name))).toBe(true);
    }
    expect(html).not.toMatch(/\{\{|https?:\/\//);
    // No framework, no CDN: the whole page stays small.
    const total = files.reduce((sum, f) => sum + f.gzipBytes, 0);
    expect(total).toBeLessThan(40 * 1024);
  });
});
