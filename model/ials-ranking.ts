import { solveSymmetricPositiveDefinite } from './cholesky.ts';
import { defaultIalsParams, gramian, trainIals, trainIalsOnKernel, type IalsParams } from './ials.ts';
import { Random } from './random.ts';
import type { RatingRows } from './training-set.ts';

/**
 * iALS as a served ranking: the item factors and the weights of the objective. A person's vector is
 * not stored but solved for each request from the movies they rated (the exact minimizer of the
 * objective's user row given the item factors), so known users, users with newer ratings and
 * visitors are scored the same way, from memory.
 */
export interface IalsRanking {
  readonly factors: number;
  /** Catalogue items x factors, row-major. */
  readonly itemFactors: Float32Array;
  /** HᵀH (factors x factors): the unobserved term shared by every person's solve. */
  readonly gramian: Float64Array;
  readonly regularization: number;
  readonly unobservedWeight: number;
  readonly frequencyExponent: number;
}

export interface IalsRankingParams {
  ials: IalsParams;
  /**
   * Fit iALS only when EASE would cover less than this share of the movies it could take
   * (those with EASE's minimum of ratings): a catalogue too big for EASE. Where EASE covers most
   * of them it ranks better than iALS (bench/results/ials-rank-*.jsonl against evaluate-rank-*).
   */
  maxEaseCover: number;
  /**
   * Train on whole users drawn at random until they hold this many ratings: the item factors of a
   * big catalogue settle on a sample, and the fit's cost is linear in the ratings it reads.
   */
  maxTrainingRatings: number;
}

/**
 * λ and α0 of the best setting measured on the issue-24 split of ml-100k (bench/ials-rank.ts);
 * fewer factors and epochs than there, and a sample of the users, to fit the ml-20m time bar
 * (about 0.16 s of kernel time per million ratings and epoch at 32 factors on the bench machine).
 */
export const defaultIalsRankingParams: IalsRankingParams = {
  ials: { ...defaultIalsParams, factors: 48, epochs: 8 },
  maxEaseCover: 0.125,
  maxTrainingRatings: 4_000_000,
};

export function fitIalsRanking(rows: RatingRows, params: IalsRankingParams): IalsRanking {
  const sample = sampleUsers(rows, params.maxTrainingRatings, params.ials.seed);
  // the kernel where the rows are whole SIMD lanes, the reference otherwise
  const train = params.ials.factors % 4 === 0 ? trainIalsOnKernel : trainIals;
  const { itemFactors } = train(sample, params.ials);
  const k = params.ials.factors;
  return {
    factors: k,
    itemFactors,
    gramian: gramian(itemFactors, k),
    regularization: params.ials.regularization,
    unobservedWeight: params.ials.unobservedWeight,
    frequencyExponent: params.ials.frequencyExponent,
  };
}

/** The rows of whole users, drawn in a seeded random order until the next would pass maxRatings. */
export function sampleUsers(rows: RatingRows, maxRatings: number, seed: number): RatingRows {
  if (rows.length <= maxRatings) return rows;
  const userCount = rows.users.size;
  const perUser = new Int32Array(userCount);
  for (let e = 0; e < rows.length; e++) perUser[rows.userIndex[e]!]!++;
  const order = Int32Array.from({ length: userCount }, (_, u) => u);
  new Random(seed).shuffle(order);
  const newIndex = new Int32Array(userCount).fill(-1);
  let users = 0;
  let kept = 0;
  for (const u of order) {
    if (kept + perUser[u]! > maxRatings) continue;
    newIndex[u] = users++;
    kept += perUser[u]!;
  }
  const userIndex = new Int32Array(kept);
  const itemIndex = new Int32Array(kept);
  const values = new Float32Array(kept);
  const itemCounts = new Int32Array(rows.items.size);
  let sum = 0;
  let at = 0;
  for (let e = 0; e < rows.length; e++) {
    const u = newIndex[rows.userIndex[e]!]!;
    if (u < 0) continue;
    userIndex[at] = u;
    itemIndex[at] = rows.itemIndex[e]!;
    values[at] = rows.values[e]!;
    itemCounts[itemIndex[at]!]!++;
    sum += values[at++]!;
  }
  return {
    users: { size: users },
    items: rows.items,
    length: kept,
    userIndex,
    itemIndex,
    values,
    mean: sum / kept,
    itemCounts,
  };
}

/**
 * The vector w minimizing the objective's row for a person who rated `rated`:
 * (Σ_rated h hᵀ + α0 HᵀH + λ_u I) w = Σ_rated h, λ_u = λ (|rated| + α0 |I|)^ν, by Cholesky.
 */
export function ialsUserVector(ranking: IalsRanking, rated: ArrayLike<number>): Float64Array {
  const k = ranking.factors;
  const h = ranking.itemFactors;
  const itemCount = h.length / k;
  const alpha = ranking.unobservedWeight;
  const a = new Float64Array(k * k);
  const b = new Float64Array(k);
  for (let x = 0; x < k * k; x++) a[x] = alpha * ranking.gramian[x]!;
  let count = 0;
  for (let r = 0; r < rated.length; r++) {
    const item = rated[r]!;
    if (item < 0 || item >= itemCount) continue;
    count++;
    const base = item * k;
    for (let x = 0; x < k; x++) {
      const hx = h[base + x]!;
      b[x]! += hx;
      // the upper triangle only: the solve reads nothing else
      for (let y = x; y < k; y++) a[x * k + y]! += hx * h[base + y]!;
    }
  }
  const lambda = ranking.regularization * (count + alpha * itemCount) ** ranking.frequencyExponent;
  for (let x = 0; x < k; x++) a[x * k + x]! += lambda;
  solveSymmetricPositiveDefinite(a, b, k);
  return b;
}

/** Every catalogue item's iALS score for a person's vector, into `scores` (catalogue size). */
export function ialsScores(ranking: IalsRanking, vector: Float64Array, scores: Float64Array): void {
  const k = ranking.factors;
  const h = ranking.itemFactors;
  for (let i = 0, base = 0; i < scores.length; i++, base += k) {
    let dot = 0;
    for (let x = 0; x < k; x++) dot += vector[x]! * h[base + x]!;
    scores[i] = dot;
  }
}

/** Whether to fit iALS: EASE would cover under maxEaseCover of the movies it could take (see IalsRankingParams). */
export function ialsWanted(
  itemCounts: Int32Array,
  ease: { minRatings: number; maxItems: number } | null,
  params: IalsRankingParams,
): boolean {
  if (!ease) return true;
  let eligible = 0;
  for (let i = 0; i < itemCounts.length; i++) if (itemCounts[i]! >= ease.minRatings) eligible++;
  return eligible > 0 && Math.min(ease.maxItems, eligible) < params.maxEaseCover * eligible;
}
