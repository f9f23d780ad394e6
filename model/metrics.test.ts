import { describe, expect, it } from 'vitest';
import { errorMetrics, RankingAccumulator } from './metrics.ts';

describe('errorMetrics', () => {
  it('computes RMSE and MAE', () => {
    const m = errorMetrics([4, 2, 5], [3, 2, 3]);
    expect(m.rmse).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(m.mae).toBeCloseTo(1, 12);
  });
});

describe('RankingAccumulator', () => {
  it('averages precision, recall and NDCG over users with relevant items', () => {
    const acc = new RankingAccumulator(10, 100);
    // hits at ranks 1 and 3 of 10, 4 relevant items
    acc.add([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], new Set([1, 3, 50, 60]));
    // no hit
    acc.add([20, 21], new Set([1]));
    // a user without relevant items is not averaged
    acc.add([30], new Set());
    const r = acc.result();
    const dcg = 1 + 1 / Math.log2(4);
    const idcg = 1 + 1 / Math.log2(3) + 1 / Math.log2(4) + 1 / Math.log2(5);
    expect(r.users).toBe(2);
    expect(r.precisionAt10).toBeCloseTo((2 / 10 + 0) / 2, 12);
    expect(r.recallAt10).toBeCloseTo((2 / 4 + 0) / 2, 12);
    expect(r.ndcgAt10).toBeCloseTo((dcg / idcg + 0) / 2, 12);
    expect(r.coverage).toBeCloseTo(13 / 100, 12);
  });
});
