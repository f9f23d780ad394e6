import { describe, expect, it } from 'vitest';
import { Random } from './random.ts';
import { topN } from './top-n.ts';

describe('topN', () => {
  it('returns the same items as a full sort, best first, ties to the lower index', () => {
    const random = new Random(5);
    for (let trial = 0; trial < 50; trial++) {
      const scores = Float64Array.from({ length: 1 + random.int(300) }, () => Math.round(random.next() * 20));
      const n = random.int(15);
      const expected = Array.from(scores.keys())
        .sort((a, b) => scores[b]! - scores[a]! || a - b)
        .slice(0, n);
      expect(Array.from(topN(scores, n))).toEqual(expected);
    }
  });

  it('skips excluded and NaN entries', () => {
    const scores = Float64Array.from([5, NaN, 9, 7, 8]);
    expect(Array.from(topN(scores, 3, (i) => i === 2))).toEqual([4, 3, 0]);
  });
});
