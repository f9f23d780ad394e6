import { clipRating, MAX_RATING, type FactorModel } from './factor-model.ts';
import { factorScore, recommend, type PreparedProfile, type Recommendation, type Recommender } from './recommender.ts';
import { topN } from './top-n.ts';

/** Buffers of catalogue size reused across calls (one per model; requests run one at a time). */
export interface RankingScratch {
  /** All zero between calls. */
  readonly accumulated: Float64Array;
  /** All zero between calls. */
  readonly rated: Uint8Array;
  readonly touched: Int32Array;
  readonly candidates: Int32Array;
  readonly cooccurrence: Float64Array;
  readonly scores: Float64Array;
}

/** |q_i| for every item: the bound recommendFast prunes with. Computed once per model. */
export function itemFactorNorms(f: FactorModel): Float32Array {
  const norms = new Float32Array(f.items.size);
  for (let i = 0; i < norms.length; i++) {
    let sum = 0;
    for (let k = i * f.stride, end = k + f.stride; k < end; k++) sum += f.itemFactors[k]! * f.itemFactors[k]!;
    norms[i] = Math.sqrt(sum);
  }
  return norms;
}

export function makeRankingScratch(itemCount: number): RankingScratch {
  return {
    accumulated: new Float64Array(itemCount),
    rated: new Uint8Array(itemCount),
    touched: new Int32Array(itemCount),
    candidates: new Int32Array(itemCount),
    cooccurrence: new Float64Array(itemCount),
    scores: new Float64Array(itemCount),
  };
}

/**
 * What the service and the evaluation serve: recommender.ts `recommend` (the plain reference),
 * same answer bit for bit (fast-ranking.test.ts checks it), but
 * without the factor model's dot product for candidates that cannot reach the top n: a
 * candidate's score is cooccurrence + w * clip(factor score), and the factor score is at most
 * mean + user bias + item bias + |p| |q_i| (Cauchy-Schwarz, item norms precomputed at load).
 * The exact scores of the n best by co-occurrence give a floor; candidates whose bound is below
 * it are skipped. Rated items are marked in a byte array instead of searched for.
 */
export function recommendFast(
  model: Recommender,
  prepared: PreparedProfile,
  n: number,
  itemNorms: Float32Array,
  scratch: RankingScratch,
): Recommendation {
  // EASE and iALS score every item they cover anyway: there is no candidate to prune
  const { itemModel } = model.ranking;
  if ((itemModel === 'ease' && model.ease) || (itemModel === 'ials' && model.ials))
    return recommend(model, prepared, n);
  const { profile } = prepared;
  const coldStart = profile.items.length === 0 || !model.cooccurrence;
  const { rated } = scratch;
  for (let k = 0; k < profile.items.length; k++) rated[profile.items[k]!] = 1;
  try {
    const chosen: number[] = [];
    if (!coldStart && !model.ranking.popularityOnly) {
      const count = gatherCandidates(model, prepared, scratch);
      if (count > 0) rankCandidates(model, prepared, n, itemNorms, scratch, count, chosen);
    }
    const taken = new Set(chosen);
    for (let k = 0; k < model.popularity.length && chosen.length < n; k++) {
      const i = model.popularity[k]!;
      if (taken.has(i) || rated[i] === 1) continue;
      chosen.push(i);
    }
    return { items: Int32Array.from(chosen), coldStart };
  } finally {
    for (let k = 0; k < profile.items.length; k++) rated[profile.items[k]!] = 0;
  }
}

/** The co-occurrence pass of rankingCandidates, in the same order with the same arithmetic. */
function gatherCandidates(model: Recommender, prepared: PreparedProfile, scratch: RankingScratch): number {
  const { profile } = prepared;
  const itemCount = model.factors.items.size;
  const { offsets, neighborItems, similarities } = model.cooccurrence!;
  const ratingPower = model.ranking.ratingPower;
  const { accumulated, touched, rated, candidates, cooccurrence } = scratch;
  let touchedCount = 0;
  for (let k = 0; k < profile.items.length; k++) {
    const j = profile.items[k]!;
    if (j < 0 || j >= itemCount) continue;
    const weight = ratingPower === 0 ? 1 : (profile.ratings[k]! / 5) ** ratingPower;
    for (let a = offsets[j]!, end = offsets[j + 1]!; a < end; a++) {
      const i = neighborItems[a]!;
      if (accumulated[i] === 0) touched[touchedCount++] = i;
      accumulated[i]! += weight * similarities[a]!;
    }
  }
  let max = 0;
  for (let t = 0; t < touchedCount; t++) if (accumulated[touched[t]!]! > max) max = accumulated[touched[t]!]!;
  let count = 0;
  for (let t = 0; t < touchedCount; t++) {
    const i = touched[t]!;
    const score = accumulated[i]!;
    accumulated[i] = 0;
    if (rated[i] === 1) continue;
    candidates[count] = i;
    cooccurrence[count] = score / max;
    count++;
  }
  return count;
}

function rankCandidates(
  model: Recommender,
  prepared: PreparedProfile,
  n: number,
  itemNorms: Float32Array,
  scratch: RankingScratch,
  count: number,
  chosen: number[],
): void {
  const { candidates, cooccurrence } = scratch;
  const scores = scratch.scores.subarray(0, count);
  const weight = model.ranking.ratingWeight;
  const exact = (k: number): number =>
    cooccurrence[k]! + weight * clipRating(factorScore(model, prepared, candidates[k]!));
  if (count <= n) {
    for (let k = 0; k < count; k++) scores[k] = exact(k);
  } else {
    scores.fill(Number.NaN);
    let floor = Infinity;
    for (const k of topN(cooccurrence.subarray(0, count), n)) {
      scores[k] = exact(k);
      if (scores[k]! < floor) floor = scores[k]!;
    }
    const f = model.factors;
    const base = f.mean + prepared.factorBias;
    let userNorm = 0;
    for (let d = 0; d < f.stride; d++) userNorm += prepared.factorVector[d]! * prepared.factorVector[d]!;
    userNorm = Math.sqrt(userNorm);
    for (let k = 0; k < count; k++) {
      if (!Number.isNaN(scores[k]!)) continue;
      const i = candidates[k]!;
      // Slack covers float32 norms and rounding in the bound; it only makes the bound looser.
      const ratingBound = Math.min(MAX_RATING, base + f.itemBias[i]! + userNorm * itemNorms[i]! * (1 + 1e-6) + 1e-6);
      if (cooccurrence[k]! + weight * ratingBound < floor) continue;
      scores[k] = exact(k);
    }
  }
  for (const k of topN(scores, n)) chosen.push(candidates[k]!);
}
