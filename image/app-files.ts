/**
 * What goes into the image besides Debian: the Node binary of the npm `node` package, and /app
 * (the sources the Dockerfile copies, less its .dockerignore, the built kernels and web bundle,
 * and the production node_modules from the lockfile).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readlinkSync,
  readSync,
  rmSync,
} from 'node:fs';
import { join, matchesGlob } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../common/log.ts';
import { cacheDir } from '../testenv/paths.ts';
import { publishFolder } from './cache-folder.ts';
import { compare, treeEntries } from './layer.ts';
import { appSources, builtArtifacts, imageWorkdir } from './spec.ts';
import type { TarEntry } from './tar.ts';

const run = promisify(execFile);
const app = imageWorkdir.replace(/^\//, '');

/** The patterns of a .dockerignore text (comments, blank lines and re-inclusions left out). */
export function ignorePatterns(dockerignore: string): string[] {
  return dockerignore
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#') && !line.startsWith('!'));
}

/** Docker's rule: a path is left out when it or one of its parent folders matches a pattern. */
export function isIgnored(path: string, patterns: readonly string[]): boolean {
  const parts = path.split('/');
  return parts.some((_, i) => {
    const prefix = parts.slice(0, i + 1).join('/');
    return patterns.some((pattern) => matchesGlob(prefix, pattern));
  });
}

/** Root-owned, world-readable, executable only where the source is: the image's files are never written. */
export function asRootOwned(entry: TarEntry): TarEntry {
  const owner = { uid: 0, gid: 0 };
  if (entry.type === 'symlink') return { ...entry, ...owner };
  if (entry.type === 'dir') return { ...entry, ...owner, mode: 0o755 };
  return { ...entry, ...owner, mode: entry.mode & 0o100 ? 0o755 : 0o644 };
}

function entryOf(path: string, source: string): TarEntry {
  const stat = lstatSync(source);
  if (stat.isSymbolicLink()) return { type: 'symlink', path, target: readlinkSync(source), uid: 0, gid: 0 };
  return asRootOwned({ type: 'file', path, mode: stat.mode, uid: 0, gid: 0, size: stat.size, source });
}

/** The parent folders of every entry, added where missing, and everything in byte order (parents first). */
export function withParentFolders(entries: readonly TarEntry[], stopAt: ReadonlySet<string>): TarEntry[] {
  const byPath = new Map(entries.map((entry) => [entry.path, entry]));
  for (const entry of entries) {
    const parts = entry.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!byPath.has(dir) && !stopAt.has(dir))
        byPath.set(dir, { type: 'dir', path: dir, mode: 0o755, uid: 0, gid: 0 });
    }
  }
  return [...byPath.values()].sort((a, b) => compare(a.path, b.path));
}

async function trackedFiles(repo: string): Promise<string[]> {
  const { stdout } = await run('git', ['ls-files', '-z', '--', ...appSources], { cwd: repo, maxBuffer: 64 << 20 });
  return stdout.split('\0').filter((path) => path && existsSync(join(repo, path)));
}

/** `npm ci --omit=dev` of the lockfile, cached by the lockfile's hash. */
export async function productionNodeModules(repo: string, log: Logger): Promise<string> {
  const manifest = readFileSync(join(repo, 'package.json'));
  const lock = readFileSync(join(repo, 'package-lock.json'));
  const key = createHash('sha256').update(manifest).update(lock).digest('hex').slice(0, 16);
  const dir = join(cacheDir(), 'image', `node-modules-${key}`);
  if (existsSync(dir)) return join(dir, 'node_modules');
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  copyFileSync(join(repo, 'package.json'), join(partial, 'package.json'));
  copyFileSync(join(repo, 'package-lock.json'), join(partial, 'package-lock.json'));
  log.info('installing the production node_modules (npm ci --omit=dev)', { dir });
  try {
    await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: partial,
      maxBuffer: 64 << 20,
    });
    publishFolder(partial, dir);
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    throw err;
  }
  return join(dir, 'node_modules');
}

/** The entries under /app, and /usr/local/bin/movie-reco pointing at its command. */
export async function appEntries(repo: string, nodeModules: string): Promise<TarEntry[]> {
  const patterns = ignorePatterns(readFileSync(join(repo, '.dockerignore'), 'utf8'));
  const sources = (await trackedFiles(repo)).filter((path) => !isIgnored(path, patterns));
  const kernels = treeEntries(join(repo, builtArtifacts.kernels), `${app}/${builtArtifacts.kernels}`).filter((entry) =>
    entry.path.endsWith('.wasm'),
  );
  const webBundle = treeEntries(join(repo, builtArtifacts.webBundle), `${app}/${builtArtifacts.webBundle}`);
  if (kernels.length === 0 || webBundle.length === 0) {
    throw new Error(`the kernels or the web bundle are missing: run npm run prepare`);
  }
  const entries = [
    ...sources.map((path) => entryOf(`${app}/${path}`, join(repo, path))),
    ...kernels.map(asRootOwned),
    ...webBundle.map(asRootOwned),
    ...treeEntries(nodeModules, `${app}/node_modules`).map(asRootOwned),
    { type: 'symlink', path: 'usr/local/bin/movie-reco', target: `/${app}/bin/movie-reco.js`, uid: 0, gid: 0 } as const,
  ];
  return withParentFolders(entries, new Set(['usr', 'usr/local', 'usr/local/bin']));
}

/** The Node binary of the npm `node` package, checked to be a real executable of the version it claims. */
export async function nodeBinary(repo: string): Promise<{ path: string; version: string }> {
  const dir = join(repo, 'node_modules/node');
  const path = join(dir, 'bin/node');
  const claimed = `v${JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version}`;
  const magic = Buffer.alloc(4);
  if (existsSync(path)) {
    const fd = openSync(path, 'r');
    readSync(fd, magic, 0, 4, 0);
    closeSync(fd);
  }
  if (!magic.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) {
    throw new Error(`${path} is not an ELF binary: run npm ci so the node package installs its binary`);
  }
  const { stdout } = await run(path, ['--version']);
  if (stdout.trim() !== claimed) throw new Error(`${path} is ${stdout.trim()}, the node package says ${claimed}`);
  return { path, version: claimed };
}

export function nodeEntries(binary: string): TarEntry[] {
  const size = lstatSync(binary).size;
  return [{ type: 'file', path: 'usr/local/bin/node', mode: 0o755, uid: 0, gid: 0, size, source: binary }];
}
