import { Matrix, solve } from 'ml-matrix';
import type { RatingBlend } from './recommender.ts';

/**
 * Least-squares weights for combining two rating predictors on held-out ratings, with a small
 * ridge towards an even split so that a tiny validation slice cannot produce wild weights.
 */
export function fitBlend(actual: Float64Array, factor: Float64Array, neighbor: Float64Array, ridge = 1): RatingBlend {
  const n = actual.length;
  const gram = Matrix.zeros(3, 3);
  const rhs = Matrix.zeros(3, 1);
  const x = [1, 0, 0];
  for (let k = 0; k < n; k++) {
    x[1] = factor[k]!;
    x[2] = neighbor[k]!;
    for (let a = 0; a < 3; a++) {
      rhs.set(a, 0, rhs.get(a, 0) + x[a]! * actual[k]!);
      for (let b = 0; b < 3; b++) gram.set(a, b, gram.get(a, b) + x[a]! * x[b]!);
    }
  }
  // ridge pulls (factorWeight, neighborWeight) towards (0.5, 0.5)
  for (const a of [1, 2]) {
    gram.set(a, a, gram.get(a, a) + ridge);
    rhs.set(a, 0, rhs.get(a, 0) + ridge * 0.5);
  }
  const w = solve(gram, rhs, true);
  return { intercept: w.get(0, 0), factorWeight: w.get(1, 0), neighborWeight: w.get(2, 0) };
}
