import { inverse, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { easeItems, easeScores, fitEase } from './ease.ts';
import { Random } from './random.ts';
import type { RatingRows } from './training-set.ts';

function rowsOf(pairs: [user: number, item: number][], users: number, items: number): RatingRows {
  const itemCounts = new Int32Array(items);
  for (const [, item] of pairs) itemCounts[item]!++;
  return {
    users: { size: users },
    items: { size: items },
    length: pairs.length,
    userIndex: Int32Array.from(pairs, ([u]) => u),
    itemIndex: Int32Array.from(pairs, ([, i]) => i),
    values: new Float32Array(pairs.length).fill(4),
    mean: 4,
    itemCounts,
  };
}

function randomPairs(users: number, items: number, perUser: number, seed: number): [number, number][] {
  const random = new Random(seed);
  const pairs: [number, number][] = [];
  for (let u = 0; u < users; u++) {
    const seen = new Set<number>();
    // skewed towards low item indices, like real popularity
    while (seen.size < perUser) seen.add(Math.floor(items * random.next() ** 2));
    for (const i of seen) pairs.push([u, i]);
  }
  return pairs;
}

/** B from the closed form, computed in float64 by ml-matrix: I - P diag(1/diag P), P = (XᵀX + λI)⁻¹. */
function closedForm(pairs: [number, number][], items: Int32Array, lambda: number): Matrix {
  const n = items.length;
  const at = new Map(Array.from(items, (item, p) => [item, p]));
  const byUser = new Map<number, number[]>();
  for (const [u, i] of pairs) {
    const p = at.get(i);
    if (p === undefined) continue;
    byUser.set(u, [...(byUser.get(u) ?? []), p]);
  }
  const gram = Matrix.zeros(n, n);
  for (const list of byUser.values()) for (const p of list) for (const q of list) gram.set(p, q, gram.get(p, q) + 1);
  for (let p = 0; p < n; p++) gram.set(p, p, gram.get(p, p) + lambda);
  const inv = inverse(gram);
  const b = Matrix.zeros(n, n);
  for (let p = 0; p < n; p++) for (let q = 0; q < n; q++) b.set(p, q, p === q ? 0 : -inv.get(p, q) / inv.get(q, q));
  return b;
}

describe('fitEase', () => {
  it('solves the closed form on a tiny matrix, with a zero diagonal', () => {
    const pairs: [number, number][] = [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
      [1, 2],
      [2, 1],
      [2, 2],
      [3, 0],
      [3, 2],
    ];
    const [model] = fitEase(rowsOf(pairs, 4, 3), { lambdas: [0.5], minRatings: 1, maxItems: 10 });
    const expected = closedForm(pairs, model!.items, 0.5);
    expect(Array.from(model!.items)).toEqual([0, 1, 2]);
    for (let p = 0; p < 3; p++) {
      expect(model!.weights[p * 3 + p]).toBe(0);
      for (let q = 0; q < 3; q++) expect(model!.weights[p * 3 + q]).toBeCloseTo(expected.get(p, q), 5);
    }
  });

  it('matches the closed form across several elimination blocks, for each λ', () => {
    const pairs = randomPairs(400, 300, 25, 7);
    const rows = rowsOf(pairs, 400, 300);
    const models = fitEase(rows, { lambdas: [10, 100], minRatings: 3, maxItems: 150 });
    expect(models.map((m) => m.lambda)).toEqual([10, 100]);
    for (const model of models) {
      const n = model.items.length;
      expect(n).toBe(150);
      const expected = closedForm(pairs, model.items, model.lambda);
      let worst = 0;
      for (let p = 0; p < n; p++) {
        expect(model.weights[p * n + p]).toBe(0);
        for (let q = 0; q < n; q++) worst = Math.max(worst, Math.abs(model.weights[p * n + q]! - expected.get(p, q)));
      }
      expect(worst).toBeLessThan(1e-4);
    }
  });

  it('keeps the most rated items with enough ratings, ascending', () => {
    const counts = Int32Array.from([5, 1, 9, 3, 9, 7]);
    expect(Array.from(easeItems(counts, { minRatings: 3, maxItems: 3 }))).toEqual([2, 4, 5]);
    expect(Array.from(easeItems(counts, { minRatings: 6, maxItems: 10 }))).toEqual([2, 4, 5]);
  });

  it('scores a profile by the rows of its covered items', () => {
    const pairs = randomPairs(50, 20, 6, 3);
    const [model] = fitEase(rowsOf(pairs, 50, 20), { lambdas: [5], minRatings: 1, maxItems: 20 });
    const n = model!.items.length;
    const scores = new Float64Array(n);
    const rated = Int32Array.from([model!.items[0]!, model!.items[2]!]);
    expect(easeScores(model!, rated, scores)).toBe(true);
    for (let q = 0; q < n; q++) expect(scores[q]).toBeCloseTo(model!.weights[q]! + model!.weights[2 * n + q]!, 6);
  });
});
