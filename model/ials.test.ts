import { Matrix, solve } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { generateSynthetic } from '../data/synthetic.ts';
import { defaultIalsParams, ialsLoss, trainIals, trainIalsOnKernel, type IalsParams } from './ials.ts';
import { buildTrainingSet } from './training-set.ts';

const set = buildTrainingSet(generateSynthetic({ users: 200, movies: 120, ratings: 6_000, seed: 5 }).ratings);

describe('trainIals', () => {
  it('lowers its objective every epoch', () => {
    const params: IalsParams = { ...defaultIalsParams, factors: 16, epochs: 8 };
    const losses: number[] = [];
    const model = trainIals(set, params, (_, loss) => losses.push(loss));
    expect(losses).toHaveLength(8);
    for (let e = 1; e < losses.length; e++) expect(losses[e]).toBeLessThan(losses[e - 1]!);
    expect(losses.at(-1)).toBe(ialsLoss(set, model, params));
  });

  it('converges to the rows the exact solve gives: each user row solves its normal equations', () => {
    const k = 4;
    const params: IalsParams = { ...defaultIalsParams, factors: k, epochs: 60, cgSteps: k };
    const model = trainIals(set, params);
    const h = model.itemFactors;
    const gram = Matrix.zeros(k, k);
    for (let i = 0; i < set.items.size; i++)
      for (let a = 0; a < k; a++)
        for (let b = 0; b < k; b++) gram.set(a, b, gram.get(a, b) + h[i * k + a]! * h[i * k + b]!);
    for (const u of [0, 57, 199]) {
      const rated = set.byUserItems.subarray(set.userOffsets[u]!, set.userOffsets[u + 1]!);
      const lambda = params.regularization * (rated.length + params.unobservedWeight * set.items.size);
      const a = Matrix.mul(gram, params.unobservedWeight);
      const b = Matrix.zeros(k, 1);
      for (const i of rated) {
        for (let x = 0; x < k; x++) {
          b.set(x, 0, b.get(x, 0) + h[i * k + x]!);
          for (let y = 0; y < k; y++) a.set(x, y, a.get(x, y) + h[i * k + x]! * h[i * k + y]!);
        }
      }
      for (let x = 0; x < k; x++) a.set(x, x, a.get(x, x) + lambda);
      const exact = solve(a, b);
      for (let x = 0; x < k; x++) expect(model.userFactors[u * k + x]).toBeCloseTo(exact.get(x, 0), 2);
    }
  });

  it('the SIMD kernel gives the reference factors to f32 rounding, and the same objective', () => {
    const params: IalsParams = { ...defaultIalsParams, factors: 12, epochs: 5, frequencyExponent: 0.5 };
    const reference = trainIals(set, params);
    const kernel = trainIalsOnKernel(set, params);
    let worst = 0;
    for (const side of ['userFactors', 'itemFactors'] as const) {
      const a = reference[side];
      const b = kernel[side];
      expect(b.length).toBe(a.length);
      for (let x = 0; x < a.length; x++) worst = Math.max(worst, Math.abs(a[x]! - b[x]!));
    }
    expect(worst).toBeLessThan(1e-3);
    expect(ialsLoss(set, kernel, params) / ialsLoss(set, reference, params)).toBeCloseTo(1, 4);
    expect(() => trainIalsOnKernel(set, { ...params, factors: 10 })).toThrow(/multiple of 4/);
  });
});
