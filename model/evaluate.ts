import { errorMetrics, RankingAccumulator, type RankingMetrics } from './metrics.ts';
import { itemFactorNorms, makeRankingScratch, recommendFast } from './fast-ranking.ts';
import { makeProfile, type UserProfile } from './profile.ts';
import { Random } from './random.ts';
import type { Ratings } from './ratings.ts';
import { knownUserProfile, predictRating, prepareProfile, recommend, type Recommender } from './recommender.ts';
import { getOrInsert } from '../common/get-or-insert.ts';

export interface Evaluation {
  rmse: number;
  mae: number;
  precisionAt10: number;
  recallAt10: number;
  ndcgAt10: number;
  coverage: number;
  popularityPrecisionAt10: number;
  popularityRecallAt10: number;
  popularityNdcgAt10: number;
  /** Test users with a relevant (>= 4) movie, over whom the ranking figures are averaged. */
  rankedUsers: number;
  testRatings: number;
  predictSeconds: number;
  rankSeconds: number;
}

export const RELEVANT_RATING = 4;

/**
 * Scores a model on held-out ratings through the same functions the inference service calls:
 * (the service's recommendFast, tested equal to the plain `recommend`): every test row gets a predicted rating (unknown users and movies fall back to biases), and every
 * test user with a relevant movie gets a top-10 of movies not rated in training, next to the
 * popularity ranking's top-10 for the same user.
 */
export interface EvaluateOptions {
  /** Rank for at most this many test users (a seeded sample); default all. */
  maxRankedUsers?: number;
  seed?: number;
}

export function evaluateRecommender(model: Recommender, test: Ratings, options: EvaluateOptions = {}): Evaluation {
  const predictStart = performance.now();
  const predicted = new Float64Array(test.length);
  const rowsByUser = new Map<number, number[]>();
  for (let k = 0; k < test.length; k++) {
    const userId = test.userIds[k]!;
    getOrInsert(rowsByUser, userId, () => []).push(k);
  }
  const emptyProfile: UserProfile = makeProfile(-1, [], []);
  for (const [userId, rows] of rowsByUser) {
    const user = model.factors.users.indexOf(userId);
    const prepared = prepareProfile(model, user >= 0 ? knownUserProfile(model, user) : emptyProfile);
    for (const k of rows) predicted[k] = predictRating(model, prepared, model.factors.items.indexOf(test.movieIds[k]!));
  }
  const errors = errorMetrics(test.values, predicted);
  const predictSeconds = (performance.now() - predictStart) / 1000;

  const rankStart = performance.now();
  const catalogue = model.factors.items.size;
  const served = new RankingAccumulator(10, catalogue);
  const popular = new RankingAccumulator(10, catalogue);
  const norms = itemFactorNorms(model.factors);
  const scratch = makeRankingScratch(catalogue);
  const popularityOnly: Recommender = { ...model, cooccurrence: null };
  for (const [userId, rows] of sampleUsers(rowsByUser, options)) {
    const user = model.factors.users.indexOf(userId);
    if (user < 0) continue;
    const relevant = new Set<number>();
    for (const k of rows) {
      if (test.values[k]! < RELEVANT_RATING) continue;
      const item = model.factors.items.indexOf(test.movieIds[k]!);
      // a relevant movie the model never saw still counts against recall: it can never be hit
      relevant.add(item >= 0 ? item : -1 - k);
    }
    if (relevant.size === 0) continue;
    const prepared = prepareProfile(model, knownUserProfile(model, user));
    served.add(recommendFast(model, prepared, 10, norms, scratch).items, relevant);
    popular.add(recommend(popularityOnly, prepared, 10).items, relevant);
  }
  const ranking: RankingMetrics = served.result();
  const baseline = popular.result();
  return {
    rmse: errors.rmse,
    mae: errors.mae,
    precisionAt10: ranking.precisionAt10,
    recallAt10: ranking.recallAt10,
    ndcgAt10: ranking.ndcgAt10,
    coverage: ranking.coverage,
    popularityPrecisionAt10: baseline.precisionAt10,
    popularityRecallAt10: baseline.recallAt10,
    popularityNdcgAt10: baseline.ndcgAt10,
    rankedUsers: ranking.users,
    testRatings: test.length,
    predictSeconds,
    rankSeconds: (performance.now() - rankStart) / 1000,
  };
}

function sampleUsers(rowsByUser: Map<number, number[]>, options: EvaluateOptions): Iterable<[number, number[]]> {
  const limit = options.maxRankedUsers;
  if (limit === undefined || rowsByUser.size <= limit) return rowsByUser;
  const entries = [...rowsByUser];
  const order = Int32Array.from({ length: entries.length }, (_, k) => k);
  new Random(options.seed ?? 1).shuffle(order);
  return Array.from(order.subarray(0, limit), (k) => entries[k]!);
}
