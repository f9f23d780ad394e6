import type { RatingRows } from './training-set.ts';

/** mean + user bias + item bias, fitted by alternating least squares with shrinkage. */
export interface Baseline {
  readonly mean: number;
  readonly userBias: Float32Array;
  readonly itemBias: Float32Array;
}

export interface BaselineParams {
  iterations: number;
  regUser: number;
  regItem: number;
}

export const defaultBaselineParams: BaselineParams = { iterations: 10, regUser: 15, regItem: 10 };

export function fitBaseline(set: RatingRows, params: BaselineParams = defaultBaselineParams): Baseline {
  const userCount = set.users.size;
  const itemCount = set.items.size;
  const { userIndex, itemIndex, values, mean } = set;
  const userBias = new Float64Array(userCount);
  const itemBias = new Float64Array(itemCount);
  const itemSum = new Float64Array(itemCount);
  const userSum = new Float64Array(userCount);
  const userCount_ = new Float64Array(userCount);
  for (let k = 0; k < set.length; k++) userCount_[userIndex[k]!]!++;
  for (let iteration = 0; iteration < params.iterations; iteration++) {
    itemSum.fill(0);
    for (let k = 0; k < set.length; k++) itemSum[itemIndex[k]!]! += values[k]! - mean - userBias[userIndex[k]!]!;
    for (let i = 0; i < itemCount; i++) itemBias[i] = itemSum[i]! / (params.regItem + set.itemCounts[i]!);
    userSum.fill(0);
    for (let k = 0; k < set.length; k++) userSum[userIndex[k]!]! += values[k]! - mean - itemBias[itemIndex[k]!]!;
    for (let u = 0; u < userCount; u++) userBias[u] = userSum[u]! / (params.regUser + userCount_[u]!);
  }
  return { mean, userBias: Float32Array.from(userBias), itemBias: Float32Array.from(itemBias) };
}
