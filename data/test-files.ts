import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** The shared MovieLens copies: MOVIELENS_DIR, else ../shared/datasets beside the repository. */
export function movielensDir(): string {
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  return process.env.MOVIELENS_DIR ?? resolve(repoRoot, '..', 'shared', 'datasets');
}

export interface TempDir {
  readonly path: string;
  /** Writes a file (gzipped when the name ends in .gz) and returns its path. */
  write(name: string, content: string | Buffer): Promise<string>;
  remove(): Promise<void>;
}

export async function tempDir(prefix = 'movie-reco-data-'): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return {
    path,
    async write(name, content) {
      const file = join(path, name);
      const bytes = typeof content === 'string' ? Buffer.from(content) : content;
      await writeFile(file, name.endsWith('.gz') ? gzipSync(bytes) : bytes);
      return file;
    },
    remove: () => rm(path, { recursive: true, force: true }),
  };
}
