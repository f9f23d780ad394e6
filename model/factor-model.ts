import type { IdIndex } from './id-index.ts';

/**
 * A trained biased matrix factorization: rating(u, i) = mean + bu[u] + bi[i] + p_u . q_i.
 * Factor rows are `stride` floats (factors rounded up to a multiple of 4, zero padded) so that
 * the SIMD kernels and the serving code read whole lanes. With implicit feedback the user rows
 * already include the |N(u)|^-1/2 * sum(y_j) term, so serving is the same for both variants.
 */
export interface FactorModel {
  readonly factors: number;
  readonly stride: number;
  readonly mean: number;
  readonly users: IdIndex;
  readonly items: IdIndex;
  readonly userBias: Float32Array;
  readonly itemBias: Float32Array;
  readonly userFactors: Float32Array;
  readonly itemFactors: Float32Array;
}

export const MIN_RATING = 0.5;
export const MAX_RATING = 5;

export function clipRating(value: number): number {
  return value < MIN_RATING ? MIN_RATING : value > MAX_RATING ? MAX_RATING : value;
}

/** Unclipped score for dense indices; -1 means unknown and falls back to biases and the mean. */
export function rawScore(model: FactorModel, user: number, item: number): number {
  let score = model.mean;
  if (user >= 0) score += model.userBias[user]!;
  if (item >= 0) score += model.itemBias[item]!;
  if (user >= 0 && item >= 0) {
    const { stride, userFactors, itemFactors } = model;
    const pu = user * stride;
    const qi = item * stride;
    let dot = 0;
    for (let f = 0; f < stride; f++) dot += userFactors[pu + f]! * itemFactors[qi + f]!;
    score += dot;
  }
  return score;
}

/** Predicted rating for external ids, clipped to the rating scale. */
export function predictRating(model: FactorModel, userId: number, movieId: number): number {
  return clipRating(rawScore(model, model.users.indexOf(userId), model.items.indexOf(movieId)));
}

export function roundUpToLanes(factors: number): number {
  return Math.max(4, Math.ceil(factors / 4) * 4);
}
