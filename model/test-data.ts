/** Small datasets for the model's tests, read from the shared MovieLens copies by path. */
import { join, resolve } from 'node:path';
import { readRatings } from '../data/dataset.ts';
import { Random } from './random.ts';
import { selectRatings, type Ratings } from './ratings.ts';

export function movielensDir(): string {
  return process.env.MOVIELENS_DIR ?? resolve(import.meta.dirname, '..', '..', 'shared', 'datasets');
}

export async function movielens(name: 'ml-100k' | 'ml-latest-small'): Promise<Ratings> {
  return readRatings(join(movielensDir(), name));
}

/** The benchmark protocol: a seeded 80/20 random split. */
export function randomSplit(ratings: Ratings, testFraction: number, seed: number): { train: Ratings; test: Ratings } {
  const rows = Int32Array.from({ length: ratings.length }, (_, k) => k);
  new Random(seed).shuffle(rows);
  const testCount = Math.round(ratings.length * testFraction);
  return { train: selectRatings(ratings, rows.slice(testCount).sort()), test: selectRatings(ratings, rows.slice(0, testCount).sort()) };
}
