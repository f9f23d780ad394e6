/** Where the test environment keeps things: the repository, the Go tool modules, the binary cache. */
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = dirname(dirname(fileURLToPath(import.meta.url)));
export const toolsDir = join(repoRoot, 'tools');

/** MOVIE_RECO_CACHE, else ~/.cache/movie-reco (XDG_CACHE_HOME respected). */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MOVIE_RECO_CACHE) return env.MOVIE_RECO_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'movie-reco');
}

export function binCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), 'bin');
}

/** Written by `npm run testenv -- up`, read by status/env/down. */
export function backgroundStateFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), 'testenv-state.json');
}
