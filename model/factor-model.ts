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
  return value < MIN_RATING ? MIN_RATING : Math.min(value, MAX_RATING);
}

export function roundUpToLanes(factors: number): number {
  return Math.max(4, Math.ceil(factors / 4) * 4);
}
