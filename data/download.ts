import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../common/log.ts';
import {
  GROUPLENS_BASE_URL,
  isMovieLensName,
  MOVIELENS_NAMES,
  MOVIELENS_RELEASES,
  type MovieLensRelease,
} from './movielens-catalog.ts';
import { extractZip } from './unzip.ts';

export interface DownloadOptions {
  /** Default: datasetCacheDir(). */
  cacheDir?: string;
  /** Default: GroupLens. Tests point it at a local server. */
  baseUrl?: string;
  /** Bytes of the zip present so far, and its total when known. */
  onProgress?: (bytes: number, totalBytes: number | null) => void;
  log?: Logger;
  /** Replaces the pinned checksums (a mirror with repackaged files, tests). */
  checksums?: Pick<MovieLensRelease, 'md5' | 'sha256' | 'sizeBytes'>;
}

/** MOVIE_RECO_CACHE/datasets, else $XDG_CACHE_HOME/movie-reco/datasets, else ~/.cache/movie-reco/datasets. */
export function datasetCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MOVIE_RECO_CACHE) return join(env.MOVIE_RECO_CACHE, 'datasets');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'movie-reco', 'datasets');
}

const COMPLETE_MARKER = '.movie-reco-complete';

/**
 * The folder of a MovieLens release, downloading it when needed: the zip is fetched (resuming a
 * partial download with an HTTP range request), verified against the pinned checksums,
 * extracted into a temporary folder and moved into place, so a folder in the cache is always
 * whole. A second call returns the cached folder without touching the network.
 */
export async function downloadDataset(name: string, options: DownloadOptions = {}): Promise<string> {
  if (!isMovieLensName(name)) throw new Error(`unknown dataset ${name}; known: ${MOVIELENS_NAMES.join(', ')}`);
  const release = options.checksums ? { name, ...options.checksums } : MOVIELENS_RELEASES[name];
  const cacheDir = options.cacheDir ?? datasetCacheDir();
  const target = join(cacheDir, name);
  if (await exists(join(target, COMPLETE_MARKER))) return target;

  await mkdir(cacheDir, { recursive: true });
  const url = `${(options.baseUrl ?? GROUPLENS_BASE_URL).replace(/\/$/, '')}/${name}.zip`;
  const zipPath = join(cacheDir, `${name}.zip`);
  if (!(await exists(zipPath))) {
    const partPath = `${zipPath}.part`;
    options.log?.info('downloading dataset', { dataset: name, url });
    await fetchResumable(url, partPath, options.onProgress);
    await verifyChecksums(partPath, release, url);
    await rename(partPath, zipPath);
  }

  const extracting = `${target}.extracting`;
  await rm(extracting, { recursive: true, force: true });
  await extractZip(zipPath, extracting);
  const root = await singleTopFolder(extracting);
  await rm(target, { recursive: true, force: true });
  await rename(root, target);
  await rm(extracting, { recursive: true, force: true });
  await writeFile(join(target, COMPLETE_MARKER), `${url}\n`);
  await rm(zipPath, { force: true });
  options.log?.info('dataset ready', { dataset: name, dir: target });
  return target;
}

/** The project's shared MovieLens copies, beside the repository (as on the project's machines). */
export const SHARED_DATASETS_DIR = resolve(import.meta.dirname, '..', '..', 'shared', 'datasets');

/**
 * Prefers a local copy: MOVIELENS_DIR/<name> when that folder exists (tests and air-gapped
 * machines), else the cache, downloading on first use.
 */
export async function resolveDataset(
  name: string,
  options: DownloadOptions & { env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  const local = (options.env ?? process.env).MOVIELENS_DIR;
  if (local && (await exists(join(local, name)))) return join(local, name);
  return downloadDataset(name, options);
}

async function fetchResumable(
  url: string,
  partPath: string,
  onProgress?: (bytes: number, totalBytes: number | null) => void,
): Promise<void> {
  const have = (await exists(partPath)) ? (await stat(partPath)).size : 0;
  const response = await fetch(url, { headers: have > 0 ? { range: `bytes=${have}-` } : {} });
  if (response.status === 416 && have > 0) {
    // The part already holds every byte: the range starts at the end of the file.
    await response.body?.cancel();
    return;
  }
  if (!response.ok || !response.body) throw new Error(`GET ${url}: HTTP ${response.status} ${response.statusText}`);
  const resumed = response.status === 206;
  const start = resumed ? have : 0;
  const length = Number(response.headers.get('content-length') ?? NaN);
  const total = Number.isFinite(length) ? start + length : null;
  let bytes = start;
  const counted = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  counted.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    onProgress?.(bytes, total);
  });
  await pipeline(counted, createWriteStream(partPath, { flags: resumed ? 'a' : 'w' }));
}

async function verifyChecksums(path: string, release: MovieLensRelease, url: string): Promise<void> {
  const size = (await stat(path)).size;
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  for await (const chunk of createReadStream(path)) {
    md5.update(chunk as Buffer);
    sha256.update(chunk as Buffer);
  }
  const actual = { md5: md5.digest('hex'), sha256: sha256.digest('hex') };
  const expectedMd5 = release.md5 ?? (release.sha256 ? undefined : await fetchPublishedMd5(`${url}.md5`));
  const mismatches: string[] = [];
  if (release.sizeBytes !== undefined && size !== release.sizeBytes)
    mismatches.push(`size ${size}, expected ${release.sizeBytes}`);
  if (release.sha256 && actual.sha256 !== release.sha256)
    mismatches.push(`sha256 ${actual.sha256}, expected ${release.sha256}`);
  if (expectedMd5 && actual.md5 !== expectedMd5) mismatches.push(`md5 ${actual.md5}, expected ${expectedMd5}`);
  if (mismatches.length > 0) {
    await rm(path, { force: true });
    throw new Error(
      `${url}: download does not match the published checksums (${mismatches.join('; ')}); ` +
        'deleted it, run again to retry',
    );
  }
}

/** GroupLens's `<name>.zip.md5`: `MD5 (ml-latest-small.zip) = <hex>` or `<hex>  <file>`. */
async function fetchPublishedMd5(url: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok)
    throw new Error(`GET ${url}: HTTP ${response.status}: cannot verify the download without its checksum`);
  const match = /\b[0-9a-f]{32}\b/i.exec(await response.text());
  if (!match) throw new Error(`${url} holds no md5 checksum`);
  return match[0].toLowerCase();
}

/** The zip's single top folder (GroupLens zips have one, e.g. ml-10M100K/), else the folder itself. */
async function singleTopFolder(dir: string): Promise<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.length === 1 && entries[0]!.isDirectory() ? join(dir, entries[0]!.name) : dir;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
