import { Matrix, solve } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { RankingAccumulator } from './metrics.ts';
import {
  defaultIalsRankingParams,
  fitIalsRanking,
  ialsUserVector,
  ialsWanted,
  sampleUsers,
  type IalsRankingParams,
} from './ials-ranking.ts';
import { plantedTaste } from './test-data.ts';
import { buildTrainingSet } from './training-set.ts';
import { buildSimilarLists } from './similar.ts';
import { topN } from './top-n.ts';

const params: IalsRankingParams = {
  ...defaultIalsRankingParams,
  ials: { ...defaultIalsRankingParams.ials, factors: 8, epochs: 8 },
};

describe('iALS as a ranking', () => {
  it('ranks held-out movies of a planted taste far better than popularity', () => {
    const ratings = plantedTaste(600, 300, 20, 1);
    const set = buildTrainingSet(ratings);
    // hold out each user's last five movies
    const held = new Map<number, Set<number>>();
    const keep: number[] = [];
    for (let u = 0; u < set.users.size; u++) {
      const start = set.userOffsets[u]!;
      const end = set.userOffsets[u + 1]!;
      held.set(u, new Set(set.byUserItems.subarray(end - 5, end)));
      for (let e = start; e < end - 5; e++) keep.push(e);
    }
    const rows = {
      users: set.users,
      items: set.items,
      length: keep.length,
      userIndex: Int32Array.from(keep, (e) => {
        let u = 0;
        while (set.userOffsets[u + 1]! <= e) u++;
        return u;
      }),
      itemIndex: Int32Array.from(keep, (e) => set.byUserItems[e]!),
      values: Float32Array.from(keep, (e) => set.byUserValues[e]!),
      mean: set.mean,
      itemCounts: new Int32Array(set.items.size),
    };
    for (const i of rows.itemIndex) rows.itemCounts[i]!++;
    const ranking = fitIalsRanking(rows, params);
    const popular = topN(Float64Array.from(rows.itemCounts), set.items.size);
    const ials = new RankingAccumulator(10, set.items.size);
    const popularity = new RankingAccumulator(10, set.items.size);
    for (const [u, relevant] of held) {
      const rated = new Set(set.byUserItems.subarray(set.userOffsets[u]!, set.userOffsets[u + 1]! - 5));
      const vector = ialsUserVector(ranking, [...rated]);
      const scores = new Float64Array(set.items.size);
      for (let i = 0; i < scores.length; i++) {
        let dot = 0;
        for (let x = 0; x < ranking.factors; x++) dot += vector[x]! * ranking.itemFactors[i * ranking.factors + x]!;
        scores[i] = rated.has(i) ? Number.NaN : dot;
      }
      ials.add(topN(scores, 10), relevant);
      popularity.add(Int32Array.from(popular.filter((i) => !rated.has(i)).slice(0, 10)), relevant);
    }
    expect(ials.result().ndcgAt10).toBeGreaterThan(popularity.result().ndcgAt10 * 1.5);
  });

  it("solves a person's vector exactly: the normal equations of the objective's user row", () => {
    const set = buildTrainingSet(plantedTaste(200, 80, 10, 2));
    const ranking = fitIalsRanking(set, params);
    const k = ranking.factors;
    const h = ranking.itemFactors;
    const rated = [3, 17, 40, 41, 79];
    const a = Matrix.zeros(k, k);
    const b = Matrix.zeros(k, 1);
    for (let i = 0; i < set.items.size; i++)
      for (let x = 0; x < k; x++)
        for (let y = 0; y < k; y++)
          a.set(x, y, a.get(x, y) + params.ials.unobservedWeight * h[i * k + x]! * h[i * k + y]!);
    for (const i of rated) {
      for (let x = 0; x < k; x++) {
        b.set(x, 0, b.get(x, 0) + h[i * k + x]!);
        for (let y = 0; y < k; y++) a.set(x, y, a.get(x, y) + h[i * k + x]! * h[i * k + y]!);
      }
    }
    const lambda = params.ials.regularization * (rated.length + params.ials.unobservedWeight * set.items.size);
    for (let x = 0; x < k; x++) a.set(x, x, a.get(x, x) + lambda);
    const exact = solve(a, b);
    const vector = ialsUserVector(ranking, rated);
    for (let x = 0; x < k; x++) expect(vector[x]).toBeCloseTo(exact.get(x, 0), 8);
  });

  it('trains on whole users drawn at random, within the ratings asked', () => {
    const set = buildTrainingSet(plantedTaste(300, 100, 10, 3));
    const sample = sampleUsers(set, 1_000, 7);
    expect(sample.length).toBeLessThanOrEqual(1_000);
    expect(sample.length).toBe(sample.users.size * 10);
    let sum = 0;
    for (const count of sample.itemCounts) sum += count;
    expect(sum).toBe(sample.length);
    expect(sampleUsers(set, set.length, 7)).toBe(set);
  });

  it('is fitted only where EASE would cover a small share of the movies it could take', () => {
    const ease = { minRatings: 5, maxItems: 1_000 };
    const counts = (eligible: number) => Int32Array.from({ length: eligible + 500 }, (_, i) => (i < eligible ? 5 : 4));
    expect(ialsWanted(counts(1_600), ease, defaultIalsRankingParams)).toBe(false);
    expect(ialsWanted(counts(3_700), ease, defaultIalsRankingParams)).toBe(false);
    expect(ialsWanted(counts(26_000), ease, defaultIalsRankingParams)).toBe(true);
    expect(ialsWanted(counts(26_000), null, defaultIalsRankingParams)).toBe(true);
  });

  it("similar lists are each supported movie's nearest supported movies by cosine of item factors", () => {
    const set = buildTrainingSet(plantedTaste(600, 300, 20, 1));
    const ranking = fitIalsRanking(set, params);
    const k = ranking.factors;
    const minSupport = 30;
    const lists = buildSimilarLists(set.items.size, {
      ease: null,
      cooccurrence: null,
      ials: { ranking, itemCounts: set.itemCounts, minSupport, maxPool: 1_000 },
    })!;
    const row = (i: number) => ranking.itemFactors.subarray(i * k, (i + 1) * k);
    const cosine = (a: number, b: number) => {
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let x = 0; x < k; x++) {
        dot += row(a)[x]! * row(b)[x]!;
        na += row(a)[x]! ** 2;
        nb += row(b)[x]! ** 2;
      }
      return dot / Math.sqrt(na * nb);
    };
    let checked = 0;
    for (let i = 0; i < set.items.size; i++) {
      const list = Array.from(lists.items.subarray(lists.offsets[i]!, lists.offsets[i + 1]!));
      if (set.itemCounts[i]! < minSupport) {
        expect(list).toEqual([]);
        continue;
      }
      const expected = Float64Array.from({ length: set.items.size }, (_, j) =>
        j === i || set.itemCounts[j]! < minSupport ? Number.NaN : cosine(i, j),
      );
      expect(list.slice(0, 5)).toEqual(Array.from(topN(expected, 5)));
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });
});
