import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../testenv/paths.ts';
import { ignorePatterns, isIgnored, withParentFolders } from './app-files.ts';
import { debianMirror } from './base-root.ts';

describe('the .dockerignore rules the image builder follows', () => {
  const patterns = ignorePatterns(readFileSync(join(repoRoot, '.dockerignore'), 'utf8'));

  it('leaves out tests, top-level docs and the host-built web bundle, keeps the sources', () => {
    expect(isIgnored('inference/server.test.ts', patterns)).toBe(true);
    expect(isIgnored('operator/reconcile.int.test.ts', patterns)).toBe(true);
    expect(isIgnored('README.md', patterns)).toBe(true);
    expect(isIgnored('inference/web/dist/index.html', patterns)).toBe(true);
    expect(isIgnored('inference/server.ts', patterns)).toBe(false);
    expect(isIgnored('inference/README.md', patterns)).toBe(false);
  });
});

describe('withParentFolders', () => {
  it('adds each missing parent once, before its children, but not the given ones', () => {
    const file = { type: 'file', path: 'app/b/c.ts', mode: 0o644, uid: 0, gid: 0, size: 0, source: '' } as const;
    const link = { type: 'symlink', path: 'usr/local/bin/x', target: '/app/b/c.ts', uid: 0, gid: 0 } as const;
    const paths = withParentFolders([link, file], new Set(['usr', 'usr/local', 'usr/local/bin'])).map((e) => e.path);
    expect(paths).toEqual(['app', 'app/b', 'app/b/c.ts', 'usr/local/bin/x']);
  });
});

describe('debianMirror', () => {
  it('reads the first non-security mirror of deb822 or one-line sources', () => {
    const deb822 =
      'Types: deb\nURIs: http://mirror.example/debian-security\n\nTypes: deb\nURIs: http://m.example/debian\n';
    expect(debianMirror(['deb [arch=amd64] http://one.example/debian bookworm main\n'])).toBe(
      'http://one.example/debian',
    );
    expect(debianMirror(['Types: deb\nURIs: http://m.example/debian\n'])).toBe('http://m.example/debian');
    expect(debianMirror([deb822])).toBe('http://m.example/debian');
    expect(debianMirror(['URIs: http://mirror.example/debian-security\n'])).toBe('http://deb.debian.org/debian');
    expect(debianMirror([])).toBe('http://deb.debian.org/debian');
  });
});
