import type { FactorModel } from '../model/factor-model.ts';
import type { UserFactors } from '../model/fold-in.ts';
import { baselineUserBias } from '../model/neighbors.ts';
import type { UserProfile } from '../model/profile.ts';
import type { PreparedProfile, Recommender } from '../model/recommender.ts';

/**
 * The same ridge fold-in as model/fold-in.ts (same objective and priors), solved by a Cholesky
 * factorisation on flat Float64Arrays instead of ml-matrix's general LU with get/set calls:
 * the normal matrix is symmetric positive definite (ridge), and this is the hot path of every
 * visitor request and of users with new ratings. fast-fold-in.test.ts checks it against foldInUser.
 */
export function foldInUserFast(model: FactorModel, profile: UserProfile, reg = 0.1): UserFactors {
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
  // Cholesky in place on the upper triangle: gram = U^T U.
  for (let j = 0; j < dims; j++) {
    let diagonal = gram[j * dims + j]!;
    for (let k = 0; k < j; k++) diagonal -= gram[k * dims + j]! * gram[k * dims + j]!;
    const ujj = Math.sqrt(diagonal);
    gram[j * dims + j] = ujj;
    for (let i = j + 1; i < dims; i++) {
      let value = gram[j * dims + i]!;
      for (let k = 0; k < j; k++) value -= gram[k * dims + j]! * gram[k * dims + i]!;
      gram[j * dims + i] = value / ujj;
    }
  }
  // Solve U^T y = rhs, then U x = y.
  for (let i = 0; i < dims; i++) {
    let value = rhs[i]!;
    for (let k = 0; k < i; k++) value -= gram[k * dims + i]! * rhs[k]!;
    rhs[i] = value / gram[i * dims + i]!;
  }
  for (let i = dims - 1; i >= 0; i--) {
    let value = rhs[i]!;
    for (let k = i + 1; k < dims; k++) value -= gram[i * dims + k]! * rhs[k]!;
    rhs[i] = value / gram[i * dims + i]!;
  }
  for (let f = 0; f < factors; f++) vector[f] = rhs[f + 1]!;
  return { bias: rhs[0]!, vector };
}

/** prepareProfile(model, profile, false) with the fast fold-in. */
export function prepareFoldedProfile(model: Recommender, profile: UserProfile): PreparedProfile {
  const { bias: factorBias, vector: factorVector } = foldInUserFast(model.factors, profile);
  const neighborBias = model.neighbors ? baselineUserBias(model.neighbors, profile) : 0;
  return { profile, factorBias, factorVector, neighborBias };
}
