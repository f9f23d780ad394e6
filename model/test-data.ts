/** Small datasets for the model's tests, read from the shared MovieLens copies by path. */
import { join } from 'node:path';
import { readRatings } from '../data/dataset.ts';
import { movielensDir } from '../data/test-files.ts';
import { Random } from './random.ts';
import { RatingsBuilder, type Ratings } from './ratings.ts';

export async function movielens(name: 'ml-100k' | 'ml-latest-small'): Promise<Ratings> {
  return readRatings(join(movielensDir(), name));
}

/** The benchmark protocol: a seeded 80/20 random split. */
export { randomSplit } from './split.ts';

/**
 * Who rated what drawn from a planted taste: each user and movie has a point in `rank` dimensions
 * and a user picks movies with probability ∝ exp(3 u·v) (plus a popularity skew), so the movies a
 * person rated say which others they will rate through the taste, not through popularity alone.
 */
export function plantedTaste(users: number, movies: number, perUser: number, seed: number, rank = 4): Ratings {
  const random = new Random(seed);
  const point = () => Array.from({ length: rank }, () => random.normal() / Math.sqrt(rank));
  const movieVectors = Array.from({ length: movies }, point);
  const popularity = Array.from({ length: movies }, (_, m) => 1 / (1 + m / 50));
  const builder = new RatingsBuilder(users * perUser);
  const weights = new Float64Array(movies);
  for (let u = 0; u < users; u++) {
    const taste = point();
    let total = 0;
    for (let m = 0; m < movies; m++) {
      let dot = 0;
      for (let x = 0; x < rank; x++) dot += taste[x]! * movieVectors[m]![x]!;
      weights[m] = popularity[m]! * Math.exp(3 * dot * Math.sqrt(rank));
      total += weights[m]!;
    }
    const picked = new Set<number>();
    while (picked.size < perUser) {
      let at = random.next() * total;
      let m = 0;
      while (m < movies - 1 && at >= weights[m]!) at -= weights[m++]!;
      if (picked.has(m)) continue;
      picked.add(m);
      builder.push(u + 1, m + 1, 3 + random.int(3));
    }
  }
  return builder.build();
}
