import { getOrInsert } from '../common/get-or-insert.ts';
import type { EaseModel } from './ease.ts';
import type { IalsRanking } from './ials-ranking.ts';
import { RankingAccumulator } from './metrics.ts';
import type { CooccurrenceModel } from './neighbors.ts';
import { Random } from './random.ts';
import {
  candidateRatings,
  cooccurrenceCandidatesByPower,
  easeCandidates,
  ialsCandidates,
  IALS_CANDIDATES,
  knownUserProfile,
  prepareProfile,
  rankCandidates,
  ratedProfile,
  type RatedItems,
  type RankingModelName,
  type RankingParams,
  type Recommender,
} from './recommender.ts';
import type { TrainingSet } from './training-set.ts';

/**
 * The users of the validation slice that the ranking parameters are chosen on: a seeded sample of
 * those with relevant held-out items (rated 4 or more). Plain arrays, so that it can cross to a
 * worker thread: user s's relevant items are at [relevantOffsets[s], relevantOffsets[s + 1]).
 */
export interface RankingSample {
  users: Int32Array;
  relevantOffsets: Int32Array;
  relevantItems: Int32Array;
}

/** The grid of parameters tried: co-occurrence takes every power and weight, the other models every weight. */
export interface RankingGrid {
  ratingWeight: number[];
  ratingPower: number[];
}

/** NDCG@10 on the sample of every model and parameter tried; [p][w] and [e][w] index powers, λs and weights. */
export interface RankingScores {
  popularity: number;
  cooccurrence: number[][];
  ease: { lambda: number; ndcg: number[] }[];
  ials: number[] | null;
}

export function rankingSample(set: TrainingSet, held: Int32Array, size: number, seed: number): RankingSample {
  const relevantByUser = new Map<number, number[]>();
  for (let k = 0; k < held.length; k++) {
    const row = held[k]!;
    const user = set.userIndex[row]!;
    const relevant = getOrInsert(relevantByUser, user, () => []);
    if (set.values[row]! >= 4 && !relevant.includes(set.itemIndex[row]!)) relevant.push(set.itemIndex[row]!);
  }
  const users = [...relevantByUser].filter(([, relevant]) => relevant.length > 0);
  const order = Int32Array.from({ length: users.length }, (_, k) => k);
  new Random(seed).shuffle(order);
  const chosen = Array.from(order.subarray(0, size), (k) => users[k]!);
  const relevantOffsets = new Int32Array(chosen.length + 1);
  chosen.forEach(([, relevant], s) => {
    relevantOffsets[s + 1] = relevantOffsets[s]! + relevant.length;
  });
  return {
    users: Int32Array.from(chosen, ([user]) => user),
    relevantOffsets,
    relevantItems: Int32Array.from(chosen.flatMap(([, relevant]) => relevant)),
  };
}

/** Each sampled user with the set of their relevant items. */
function sampledUsers(sample: RankingSample): { user: number; relevant: Set<number> }[] {
  return Array.from(sample.users, (user, s) => ({
    user,
    relevant: new Set(sample.relevantItems.subarray(sample.relevantOffsets[s]!, sample.relevantOffsets[s + 1]!)),
  }));
}

function accumulatorGrid(rows: number, columns: number, catalogueSize: number): RankingAccumulator[][] {
  return Array.from({ length: rows }, () =>
    Array.from({ length: columns }, () => new RankingAccumulator(10, catalogueSize)),
  );
}

/** Each sampled user's co-occurrence candidates with their score for every rating power. */
export type CooccurrenceCandidateSets = ReturnType<typeof cooccurrenceCandidatesByPower>[];

/** The co-occurrence half of the ranking's scores: it reads the lists and the rated items alone. */
export function cooccurrenceCandidateSets(
  lists: CooccurrenceModel,
  rated: RatedItems,
  sample: RankingSample,
  powers: number[],
): CooccurrenceCandidateSets {
  const catalogueSize = lists.offsets.length - 1;
  const scratch = new Float64Array(catalogueSize * powers.length);
  return Array.from(sample.users, (user) =>
    cooccurrenceCandidatesByPower(lists, catalogueSize, ratedProfile(rated, user), powers, scratch),
  );
}

/**
 * NDCG@10 of the co-occurrence ranking for each rating power and weight, [p][w]; `candidateSets`
 * from cooccurrenceCandidateSets when they were gathered ahead.
 */
export function cooccurrenceNdcg(
  model: Recommender,
  sample: RankingSample,
  grid: RankingGrid,
  candidateSets = cooccurrenceCandidateSets(model.cooccurrence!, model.rated, sample, grid.ratingPower),
): number[][] {
  const { ratingWeight: weights, ratingPower: powers } = grid;
  const accumulators = accumulatorGrid(powers.length, weights.length, model.factors.items.size);
  sampledUsers(sample).forEach(({ user, relevant }, s) => {
    const prepared = prepareProfile(model, knownUserProfile(model, user));
    const { items, cooccurrence } = candidateSets[s]!;
    // the candidate set is the same for every power: predict its ratings once per user
    const rating = candidateRatings(model, prepared, items);
    powers.forEach((_, p) => {
      const candidates = { items, cooccurrence: cooccurrence[p]!, rating };
      weights.forEach((weight, w) => {
        accumulators[p]![w]!.add(rankCandidates(model, prepared.profile, candidates, weight, 10), relevant);
      });
    });
  });
  return accumulators.map((row) => row.map((accumulator) => accumulator.result().ndcgAt10));
}

/** NDCG@10 of each EASE model's ranking for each rating weight. */
export function easeNdcg(
  model: Recommender,
  ease: EaseModel[],
  sample: RankingSample,
  weights: number[],
): RankingScores['ease'] {
  const accumulators = accumulatorGrid(ease.length, weights.length, model.factors.items.size);
  for (const { user, relevant } of sampledUsers(sample)) {
    const prepared = prepareProfile(model, knownUserProfile(model, user));
    // every λ covers the same items: predict their ratings once per user
    const ratings = ease.length > 0 ? candidateRatings(model, prepared, ease[0]!.items) : null;
    ease.forEach((easeModel, e) => {
      const candidates = easeCandidates(easeModel, prepared, ratings);
      weights.forEach((weight, w) => {
        accumulators[e]![w]!.add(rankCandidates(model, prepared.profile, candidates, weight, 10), relevant);
      });
    });
  }
  return ease.map(({ lambda }, e) => ({ lambda, ndcg: accumulators[e]!.map((a) => a.result().ndcgAt10) }));
}

/** NDCG@10 of the iALS ranking for each rating weight. */
export function ialsNdcg(model: Recommender, ials: IalsRanking, sample: RankingSample, weights: number[]): number[] {
  const [accumulators] = accumulatorGrid(1, weights.length, model.factors.items.size);
  for (const { user, relevant } of sampledUsers(sample)) {
    const prepared = prepareProfile(model, knownUserProfile(model, user));
    const candidates = ialsCandidates(model, ials, prepared, IALS_CANDIDATES, true);
    weights.forEach((weight, w) => {
      accumulators![w]!.add(rankCandidates(model, prepared.profile, candidates, weight, 10), relevant);
    });
  }
  return accumulators!.map((a) => a.result().ndcgAt10);
}

export function popularityNdcg(model: Recommender, sample: RankingSample): number {
  const popular = new RankingAccumulator(10, model.factors.items.size);
  for (const { user, relevant } of sampledUsers(sample))
    popular.add(rankCandidates(model, knownUserProfile(model, user), null, 0, 10), relevant);
  return popular.result().ndcgAt10;
}

export interface RankingChoice {
  ranking: RankingParams;
  rankingNdcgAt10: number;
  /** The λ of the best EASE model, whatever ranks. */
  easeLambda?: number;
  /** Each ranking model's best NDCG@10 (over its parameters), the chosen one's included. */
  modelNdcgAt10: Partial<Record<RankingModelName, number>>;
}

/**
 * The ranking with the best NDCG@10 among: the popularity ranking, co-occurrence for each rating
 * power and weight, EASE for each λ and rating weight, and iALS (when fitted) for each rating
 * weight; on a tie, the one listed first. The popularity ranking keeps the `defaults`, and the
 * models other than co-occurrence their rating power.
 */
export function chooseRanking(scores: RankingScores, grid: RankingGrid, defaults: RankingParams): RankingChoice {
  const { ratingPower } = defaults;
  let best: Pick<RankingChoice, 'ranking' | 'rankingNdcgAt10'> = {
    ranking: { ...defaults, popularityOnly: true },
    rankingNdcgAt10: scores.popularity,
  };
  const modelNdcgAt10: RankingChoice['modelNdcgAt10'] = { popularity: scores.popularity };
  const consider = (name: RankingModelName, ranking: RankingParams, ndcg: number): void => {
    modelNdcgAt10[name] = Math.max(modelNdcgAt10[name] ?? -1, ndcg);
    if (ndcg > best.rankingNdcgAt10) best = { ranking, rankingNdcgAt10: ndcg };
  };
  grid.ratingPower.forEach((power, p) => {
    grid.ratingWeight.forEach((ratingWeight, w) => {
      consider('cooccurrence', { ratingWeight, ratingPower: power }, scores.cooccurrence[p]![w]!);
    });
  });
  let bestEase = { ndcg: -1, lambda: 0, ratingWeight: 0 };
  for (const { lambda, ndcg } of scores.ease) {
    grid.ratingWeight.forEach((ratingWeight, w) => {
      if (ndcg[w]! > bestEase.ndcg) bestEase = { ndcg: ndcg[w]!, lambda, ratingWeight };
    });
  }
  if (scores.ease.length > 0) {
    consider('ease', { ratingWeight: bestEase.ratingWeight, ratingPower, itemModel: 'ease' }, bestEase.ndcg);
  }
  scores.ials?.forEach((ndcg, w) => {
    consider('ials', { ratingWeight: grid.ratingWeight[w]!, ratingPower, itemModel: 'ials' }, ndcg);
  });
  return { ...best, modelNdcgAt10, ...(scores.ease.length > 0 ? { easeLambda: bestEase.lambda } : {}) };
}
