import { errorMetrics, RankingAccumulator, type RankingMetrics } from './metrics.ts';
import { itemFactorNorms, makeRankingScratch, recommendFast } from './fast-ranking.ts';
import { makeProfile, type UserProfile } from './profile.ts';
import { Random } from './random.ts';
import type { Ratings } from './ratings.ts';
import {
  knownUserProfile,
  predictRating,
  prepareProfile,
  rankingModelName,
  recommend,
  type RankingModelName,
  type Recommender,
} from './recommender.ts';
import { factorCosineNeighbors } from './similar.ts';
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
  /** The model that ranked (popularity, co-occurrence or EASE). */
  rankingModel: RankingModelName;
  /**
   * Similar movies, for each test user: the seeds are the movies they liked (>= 4) in training,
   * the list is the union of the seeds' top-10 similar movies they did not rate; recall is the
   * share of their liked test movies on that list, precision the share of the list liked in test.
   * Averaged over users, for the model's similar lists and for the cosine of factor vectors.
   */
  similar: SimilarMeasure;
  cosineSimilar: SimilarMeasure;
  /** Test users with a relevant (>= 4) movie, over whom the ranking figures are averaged. */
  rankedUsers: number;
  testRatings: number;
  predictSeconds: number;
  rankSeconds: number;
}

export const RELEVANT_RATING = 4;

export interface SimilarMeasure {
  recall: number;
  precision: number;
}

/** Movies taken from each seed's similar list by the similar-movie measure. */
const SIMILAR_PER_SEED = 10;

/**
 * Scores a model on held-out ratings through the same functions the inference service calls:
 * (the service's recommendFast, tested equal to the plain `recommend`): every test row gets a
 * predicted rating (unknown users and movies fall back to biases), and every
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
  const popularityOnly: Recommender = { ...model, cooccurrence: null, ease: null, ials: null };
  const similar = new SimilarAccumulator();
  const cosineSimilar = new SimilarAccumulator();
  const modelLists = (item: number): ArrayLike<number> => {
    if (!model.similar) return [];
    const start = model.similar.offsets[item]!;
    return model.similar.items.subarray(start, Math.min(model.similar.offsets[item + 1]!, start + SIMILAR_PER_SEED));
  };
  const cosineCache = new Map<number, Int32Array>();
  const cosineLists = (item: number): ArrayLike<number> => {
    const cached = cosineCache.get(item);
    if (cached) return cached;
    const list = factorCosineNeighbors(model.factors, norms, item, SIMILAR_PER_SEED).items;
    cosineCache.set(item, list);
    return list;
  };
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
    similar.add(prepared.profile, relevant, modelLists);
    cosineSimilar.add(prepared.profile, relevant, cosineLists);
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
    rankingModel: rankingModelName(model.ranking),
    similar: similar.result(),
    cosineSimilar: cosineSimilar.result(),
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

/** The similar-movie measure (see Evaluation.similar) over users, for one way of listing similar movies. */
class SimilarAccumulator {
  #users = 0;
  #recall = 0;
  #precision = 0;

  add(profile: UserProfile, relevant: ReadonlySet<number>, similarTo: (item: number) => ArrayLike<number>): void {
    const rated = new Set(profile.items);
    const listed = new Set<number>();
    for (let k = 0; k < profile.items.length; k++) {
      if (profile.ratings[k]! < RELEVANT_RATING) continue;
      const list = similarTo(profile.items[k]!);
      for (let a = 0; a < list.length; a++) if (!rated.has(list[a]!)) listed.add(list[a]!);
    }
    let hits = 0;
    for (const item of relevant) if (listed.has(item)) hits++;
    this.#users++;
    this.#recall += hits / relevant.size;
    this.#precision += listed.size ? hits / listed.size : 0;
  }

  result(): SimilarMeasure {
    return { recall: this.#recall / this.#users, precision: this.#precision / this.#users };
  }
}
