import { solveSymmetricPositiveDefinite } from './cholesky.ts';
import type { FactorModel } from './factor-model.ts';
import type { UserProfile } from './profile.ts';

export interface UserFactors {
  bias: number;
  vector: Float32Array;
}

/**
 * Solves a user's bias and factor vector against the fixed item factors by ridge regression:
 * minimise sum over rated items of (r - mean - b_i - b_u - p.q_i)^2 + reg * n * (|p|^2 + 0.1 b_u^2)
 * (the bias gets the weaker prior: one rating says more about a user's generosity than about
 * their taste). This is how a visitor, or a user with ratings newer than the model, gets exact
 * answers without retraining, on the hot path of every such request: the normal matrix is
 * symmetric positive definite, so a Cholesky factorisation on flat Float64Arrays solves it
 * (fold-in.test.ts checks it against ml-matrix's general solver). Items unknown to the model
 * are ignored.
 */
export function foldInUser(model: FactorModel, profile: UserProfile, reg = 0.1): UserFactors {
  const { stride, factors, itemFactors, itemBias, mean } = model;
  if (profile.items.length === 0) return { bias: 0, vector: new Float32Array(stride) };
  const dims = factors + 1;
  const gram = new Float64Array(dims * dims);
  const rhs = new Float64Array(dims);
  const row = new Float64Array(dims);
  let used = 0;
  for (let k = 0; k < profile.items.length; k++) {
    const item = profile.items[k]!;
    if (item < 0 || item >= model.items.size) continue;
    used++;
    row[0] = 1;
    const base = item * stride;
    for (let f = 0; f < factors; f++) row[f + 1] = itemFactors[base + f]!;
    const target = profile.ratings[k]! - mean - itemBias[item]!;
    for (let a = 0; a < dims; a++) {
      const ra = row[a]!;
      rhs[a]! += ra * target;
      const at = a * dims;
      for (let b = a; b < dims; b++) gram[at + b]! += ra * row[b]!;
    }
  }
  const vector = new Float32Array(stride);
  if (used === 0) return { bias: 0, vector };
  const shrink = reg * used;
  for (let a = 0; a < dims; a++) gram[a * dims + a]! += a === 0 ? shrink * 0.1 : shrink;
  solveSymmetricPositiveDefinite(gram, rhs, dims);
  for (let f = 0; f < factors; f++) vector[f] = rhs[f + 1]!;
  return { bias: rhs[0]!, vector };
}
