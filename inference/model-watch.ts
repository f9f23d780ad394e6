import { readFile } from 'node:fs/promises';
import { unwatchFile, watchFile } from 'node:fs';
import type { Logger } from '../common/log.ts';
import type { ModelSource } from './model-loader.ts';

/**
 * A file naming the model to serve: the artifact URI on the first line, optionally its digest on
 * the second (a ConfigMap the operator rewrites, mounted as a file).
 */
export async function readModelSourceFile(path: string): Promise<ModelSource> {
  const lines = (await readFile(path, 'utf8'))
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const uri = lines[0];
  if (!uri) throw new Error(`${path} names no model (first line: the artifact URI)`);
  return { uri, digest: lines[1] };
}

/**
 * Calls `onChange` with the file's model each time the file is written (polled: a mounted
 * ConfigMap is updated by swapping a symlink, which inotify misses).
 */
export function watchModelSourceFile(
  path: string,
  onChange: (source: ModelSource) => void,
  log: Logger,
  intervalMs = 2000,
): () => void {
  const listener = (): void => {
    readModelSourceFile(path).then(
      (source) => onChange(source),
      (error: unknown) => log.warn('model file unreadable; keeping the current model', { path, error }),
    );
  };
  watchFile(path, { interval: intervalMs }, listener);
  return () => unwatchFile(path, listener);
}
