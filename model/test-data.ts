/** Small datasets for the model's tests, read from the shared MovieLens copies by path. */
import { join } from 'node:path';
import { readRatings } from '../data/dataset.ts';
import { movielensDir } from '../data/test-files.ts';
import type { Ratings } from './ratings.ts';

export async function movielens(name: 'ml-100k' | 'ml-latest-small'): Promise<Ratings> {
  return readRatings(join(movielensDir(), name));
}

/** The benchmark protocol: a seeded 80/20 random split. */
export { randomSplit } from './split.ts';
