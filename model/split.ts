import { Random } from './random.ts';
import { selectRatings, type Ratings } from './ratings.ts';

/**
 * A seeded random split: the same ratings and seed give the same test set. Both sides keep the
 * input's row order.
 */
export function randomSplit(ratings: Ratings, testFraction: number, seed: number): { train: Ratings; test: Ratings } {
  if (!(testFraction > 0 && testFraction < 1))
    throw new RangeError(`testFraction must be in (0, 1), got ${testFraction}`);
  const rows = Int32Array.from({ length: ratings.length }, (_, k) => k);
  new Random(seed).shuffle(rows);
  const testCount = Math.max(1, Math.round(ratings.length * testFraction));
  return {
    test: selectRatings(ratings, rows.slice(0, testCount).sort()),
    train: selectRatings(ratings, rows.slice(testCount).sort()),
  };
}
