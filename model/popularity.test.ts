import { describe, expect, it } from 'vitest';
import { popularityRanking } from './popularity.ts';

describe('popularityRanking', () => {
  it('ranks by how often and how well a movie was rated; too few ratings come last', () => {
    // movie: count, mean
    const movies = [
      [100, 3.0], // often, middling
      [80, 4.5], // often, loved: first
      [3, 5.0], // loved by three: below the threshold
      [30, 2.0], // disliked
      [60, 4.0],
    ] as const;
    const counts = Int32Array.from(movies, ([count]) => count);
    const sums = Float64Array.from(movies, ([count, mean]) => count * mean);
    expect(Array.from(popularityRanking(counts, sums, 3.5, 20))).toEqual([1, 0, 4, 3, 2]);
  });
});
