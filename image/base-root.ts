/**
 * The image's Debian root: debootstrap of bookworm from Debian's packages, slimmed as Debian's
 * -slim images are (no apt lists, logs, caches, manuals or translations; copyright files kept).
 * Cached under ~/.cache/movie-reco/image keyed by its inputs, so later builds reuse the same bytes.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../common/log.ts';
import { findOnPath, installDebianPackages } from '../testenv/debian-packages.ts';
import { cacheDir } from '../testenv/paths.ts';
import { publishFolder } from './cache-folder.ts';
import { baseSystem } from './spec.ts';

const run = promisify(execFile);

/** Bump when the slimming below changes, so cached roots made the old way are not reused. */
const recipeVersion = 1;

/** The mirror apt on this machine uses (deb822 or one-line sources), else Debian's own. */
export function debianMirror(sourcesTexts: readonly string[]): string {
  for (const text of sourcesTexts) {
    for (const match of text.matchAll(/^(?:URIs:\s*|deb\s+(?:\[[^\]]*\]\s+)?)(\S+)/gm)) {
      if (match[1] && !match[1].includes('security')) return match[1];
    }
  }
  return 'http://deb.debian.org/debian';
}

function hostSources(): string[] {
  const files = ['/etc/apt/sources.list'];
  const dir = '/etc/apt/sources.list.d';
  if (existsSync(dir))
    files.push(
      ...readdirSync(dir)
        .sort()
        .map((name) => join(dir, name)),
    );
  return files.filter((file) => existsSync(file)).map((file) => readFileSync(file, 'utf8'));
}

export function baseRootKey(mirror: string, arch: string, extraPackages: readonly string[] = []): string {
  const extra = extraPackages.length > 0 ? { extraPackages } : {};
  const inputs = JSON.stringify({ ...baseSystem, mirror, arch, recipeVersion, ...extra });
  return createHash('sha256').update(inputs).digest('hex').slice(0, 16);
}

/** Removes what a container never needs and what differs from one debootstrap run to the next. */
function slim(root: string): void {
  const emptyFolder = (dir: string, keep: (name: string) => boolean = () => false) => {
    for (const name of readdirSync(join(root, dir))) {
      if (!keep(name)) rmSync(join(root, dir, name), { recursive: true, force: true });
    }
  };
  for (const dir of ['dev', 'var/lib/apt/lists', 'var/cache/apt', 'var/log', 'usr/share/man', 'usr/share/locale']) {
    emptyFolder(dir);
  }
  mkdirSync(join(root, 'var/cache/apt/archives/partial'), { recursive: true });
  for (const pkg of readdirSync(join(root, 'usr/share/doc'))) {
    emptyFolder(`usr/share/doc/${pkg}`, (name) => name === 'copyright');
  }
  for (const file of ['var/cache/ldconfig/aux-cache', 'var/lib/dpkg/status-old', 'var/lib/dpkg/diversions-old']) {
    rmSync(join(root, file), { force: true });
  }
  const debconf = join(root, 'var/cache/debconf');
  for (const name of readdirSync(debconf).filter((n) => n.endsWith('-old'))) rmSync(join(debconf, name));
  // Mounted by the runtime; the build machine's copies must not leak into the image.
  for (const file of ['etc/hostname', 'etc/resolv.conf', 'etc/hosts']) writeFileSync(join(root, file), '');
}

/**
 * The cached root folder, made by debootstrap on first use (needs root, about a minute and a half);
 * `extraPackages` for images of other programs than the project's (testenv/node/dependency-images.ts).
 */
export async function baseRoot(log: Logger, arch: string, extraPackages: readonly string[] = []): Promise<string> {
  const mirror = process.env.MOVIE_RECO_DEBIAN_MIRROR ?? debianMirror(hostSources());
  const dir = join(cacheDir(), 'image', `base-${baseSystem.suite}-${baseRootKey(mirror, arch, extraPackages)}`);
  if (existsSync(dir)) return dir;
  if (!findOnPath('debootstrap')) await installDebianPackages(['debootstrap']);
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(join(partial, '..'), { recursive: true });
  const started = Date.now();
  log.info('debootstrap of the Debian base (first build only)', { suite: baseSystem.suite, mirror, dir });
  const args = [
    `--variant=${baseSystem.variant}`,
    `--include=${[...baseSystem.include, ...extraPackages].join(',')}`,
    `--arch=${arch}`,
    baseSystem.suite,
    partial,
    mirror,
  ];
  try {
    await run('debootstrap', args, { maxBuffer: 64 << 20 });
    slim(partial);
    publishFolder(partial, dir);
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    throw new Error(`debootstrap ${args.join(' ')} failed (it needs root): ${(err as Error).message}`);
  }
  log.info('Debian base ready', { seconds: Math.round((Date.now() - started) / 1000) });
  return dir;
}
