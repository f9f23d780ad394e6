import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { SHARED_DATASETS_DIR } from './download.ts';

/** The shared MovieLens copies: MOVIELENS_DIR, else ../shared/datasets beside the repository. */
export function movielensDir(): string {
  return process.env.MOVIELENS_DIR ?? SHARED_DATASETS_DIR;
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
