import { describe, expect, it } from 'vitest';
import { RatingOverlay } from './rating-overlay.ts';

describe('RatingOverlay', () => {
  it('keeps the latest rating per movie and forgets what a serving model learned', () => {
    const overlay = new RatingOverlay();
    overlay.add(1, 10, 4, 101);
    overlay.add(1, 11, 2, 102);
    overlay.add(2, 10, 5, 103);
    overlay.add(1, 10, 1, 104); // re-rated after the next snapshot
    expect(Array.from(overlay.ratingsOf(1)!)).toEqual([
      [11, 2],
      [10, 1],
    ]);
    // a model trained on ratings up to id 103 knows user 1's movie 11 and user 2's rating
    expect(overlay.forgetLearned(103).sort()).toEqual([1, 2]);
    expect(Array.from(overlay.ratingsOf(1)!)).toEqual([[10, 1]]);
    expect(overlay.ratingsOf(2)).toBeUndefined();
    expect(overlay.users).toBe(1);
    expect(overlay.forgetLearned(103)).toEqual([]);
  });
});
