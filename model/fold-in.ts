import { Matrix, solve } from 'ml-matrix';
import type { FactorModel } from './factor-model.ts';
import type { UserProfile } from './profile.ts';

export interface UserFactors {
  bias: number;
  vector: Float32Array;
}

/**
 * Solves a user's bias and factor vector against the fixed item factors by ridge regression:
 * minimise sum over rated items of (r - mean - b_i - b_u - p.q_i)^2 + reg * (|p|^2 + b_u^2).
 * This is how a visitor, or a user with ratings newer than the model, gets exact answers
 * without retraining. Items unknown to the model are ignored.
 */
export function foldInUser(model: FactorModel, profile: UserProfile, reg = 0.1): UserFactors {
  const { stride, factors, itemFactors, itemBias, mean } = model;
  const dims = factors + 1;
  const gram = Matrix.zeros(dims, dims);
  const rhs = Matrix.zeros(dims, 1);
  const row = new Float64Array(dims);
  let used = 0;
  for (let k = 0; k < profile.items.length; k++) {
    const item = profile.items[k]!;
    if (item < 0 || item >= model.items.size) continue;
    used++;
    row[0] = 1;
    for (let f = 0; f < factors; f++) row[f + 1] = itemFactors[item * stride + f]!;
    const target = profile.ratings[k]! - mean - itemBias[item]!;
    for (let a = 0; a < dims; a++) {
      const ra = row[a]!;
      rhs.set(a, 0, rhs.get(a, 0) + ra * target);
      for (let b = a; b < dims; b++) gram.set(a, b, gram.get(a, b) + ra * row[b]!);
    }
  }
  const vector = new Float32Array(stride);
  if (used === 0) return { bias: 0, vector };
  // The bias gets a weaker prior than the factors: one rating says more about a user's
  // generosity than about their taste.
  const shrink = reg * used;
  for (let a = 0; a < dims; a++) {
    for (let b = 0; b < a; b++) gram.set(a, b, gram.get(b, a));
    gram.set(a, a, gram.get(a, a) + (a === 0 ? shrink * 0.1 : shrink));
  }
  const solution = solve(gram, rhs, true);
  for (let f = 0; f < factors; f++) vector[f] = solution.get(f + 1, 0);
  return { bias: solution.get(0, 0), vector };
}
