/**
 * Image layers: the entries of a folder tree in a fixed order, written as a gzipped tar into an
 * OCI blob folder with the two digests an image needs (the blob's, and the uncompressed diff id).
 */
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream, lstatSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { type TarEntry, tarStream } from './tar.ts';

export interface Blob {
  readonly digest: string;
  readonly size: number;
}

export interface Layer extends Blob {
  /** sha256 of the uncompressed tar: the image config's rootfs.diff_ids. */
  readonly diffId: string;
}

export const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Every entry under `root`, depth first in byte order of names, paths relative to it (prefixed
 * with `under`). Owners and modes are kept; a second name of an already seen inode becomes a hard
 * link; device nodes, fifos and sockets are left out (the runtime provides /dev).
 */
export function treeEntries(root: string, under = ''): TarEntry[] {
  const entries: TarEntry[] = [];
  const seenInodes = new Map<string, string>();
  const walk = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir).sort(compare)) {
      const full = join(dir, name);
      const path = prefix ? `${prefix}/${name}` : name;
      const stat = lstatSync(full);
      const owner = { uid: stat.uid, gid: stat.gid };
      if (stat.isDirectory()) {
        entries.push({ type: 'dir', path, mode: stat.mode, ...owner });
        walk(full, path);
      } else if (stat.isSymbolicLink()) {
        entries.push({ type: 'symlink', path, target: readlinkSync(full), ...owner });
      } else if (stat.isFile()) {
        const inode = `${stat.dev}:${stat.ino}`;
        const first = stat.nlink > 1 ? seenInodes.get(inode) : undefined;
        if (first) entries.push({ type: 'hardlink', path, target: first, mode: stat.mode, ...owner });
        else entries.push({ type: 'file', path, mode: stat.mode, size: stat.size, source: full, ...owner });
        if (stat.nlink > 1 && !first) seenInodes.set(inode, path);
      }
    }
  };
  walk(root, under);
  return entries;
}

function hashing(hash: Hash, count?: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      if (count) count.bytes += chunk.length;
      done(null, chunk);
    },
  });
}

/** Writes `entries` as a gzipped tar blob into `blobDir` (named by its sha256), every mtime `mtime`. */
export async function writeLayer(entries: Iterable<TarEntry>, mtime: number, blobDir: string): Promise<Layer> {
  mkdirSync(blobDir, { recursive: true });
  const partial = join(blobDir, `.partial-${process.pid}`);
  const diffHash = createHash('sha256');
  const blobHash = createHash('sha256');
  const written = { bytes: 0 };
  try {
    await pipeline(
      Readable.from(tarStream(entries, mtime)),
      hashing(diffHash),
      createGzip({ level: 6 }),
      hashing(blobHash, written),
      createWriteStream(partial),
    );
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  }
  const hex = blobHash.digest('hex');
  renameSync(partial, join(blobDir, hex));
  return { digest: `sha256:${hex}`, size: written.bytes, diffId: `sha256:${diffHash.digest('hex')}` };
}
