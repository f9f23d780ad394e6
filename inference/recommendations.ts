import {
  knownUserProfile,
  predictRating,
  prepareProfile,
  visitorProfile,
  type PreparedProfile,
} from '../model/recommender.ts';
import { makeProfile } from '../model/profile.ts';
import { recommendFast } from '../model/fast-ranking.ts';
import type { MovieCatalog } from './movie-catalog.ts';
import type { RatingOverlay } from './rating-overlay.ts';
import type { z } from 'zod';
import {
  MAX_N,
  type modelRef as modelRefShape,
  type recommendedMovie,
  type userRecommendations,
  type visitorRecommendations as visitorShape,
} from './api-shapes.ts';
import { recommendationKey, type ServingModel } from './serving-model.ts';

export type RecommendedMovie = z.output<typeof recommendedMovie>;
export type RecommendationList = Pick<z.output<typeof visitorShape>, 'coldStart' | 'recommendations'>;

const NOBODY = makeProfile(-1, [], []);

/**
 * The profile the model should see for a user: trained factors while the model knows every rating
 * of theirs (cheap: views into the model); a fold-in of training ratings plus those acknowledged
 * since, once they rated here (cached per model until they rate again).
 */
export function userProfile(serving: ServingModel, overlay: RatingOverlay, userId: number): PreparedProfile {
  const model = serving.recommender;
  const user = model.factors.users.indexOf(userId);
  const added = overlay.ratingsOf(userId);
  if (!added)
    return user >= 0 ? prepareProfile(model, knownUserProfile(model, user)) : prepareProfile(model, NOBODY, false);
  const cached = serving.profileCache.get(userId);
  if (cached) return cached;
  const known = user >= 0 ? knownUserProfile(model, user) : NOBODY;
  const items = Array.from(known.items);
  const ratings = Array.from(known.ratings);
  for (const [movieId, rating] of added) {
    const item = model.factors.items.indexOf(movieId);
    if (item < 0) continue;
    items.push(item);
    ratings.push(rating);
  }
  const prepared = prepareProfile(model, makeProfile(user, items, ratings), false);
  serving.profileCache.set(userId, prepared);
  return prepared;
}

export function forgetUser(serving: ServingModel, userId: number): void {
  serving.profileCache.delete(userId);
  for (let n = 1; n <= MAX_N; n++) serving.recommendationCache.delete(recommendationKey(userId, n));
}

export function recommendFor(
  serving: ServingModel,
  catalog: MovieCatalog,
  prepared: PreparedProfile,
  n: number,
): RecommendationList {
  const model = serving.recommender;
  const { items, coldStart } = recommendFast(model, prepared, n, serving.itemNorms, serving.ranking);
  const recommendations = Array.from(items, (item) =>
    describe(serving, catalog, item, predictRating(model, prepared, item)),
  );
  return { coldStart, recommendations };
}

/** A user's recommendations as a finished JSON body, from the cache when the user's ratings have not changed. */
export function userRecommendationsBody(
  serving: ServingModel,
  catalog: MovieCatalog,
  overlay: RatingOverlay,
  userId: number,
  n: number,
): { body: string; cached: boolean; coldStart: boolean } {
  const key = recommendationKey(userId, n);
  const hit = serving.recommendationCache.get(key);
  if (hit !== undefined) return { body: hit, cached: true, coldStart: hit.startsWith(COLD_START_PREFIX) };
  const prepared = userProfile(serving, overlay, userId);
  const list = recommendFor(serving, catalog, prepared, n);
  const body = JSON.stringify({
    coldStart: list.coldStart,
    userId,
    model: modelRef(serving),
    recommendations: list.recommendations,
  } satisfies z.output<typeof userRecommendations>);
  serving.recommendationCache.set(key, body);
  return { body, cached: false, coldStart: list.coldStart };
}

const COLD_START_PREFIX = '{"coldStart":true';

export function visitorRecommendations(
  serving: ServingModel,
  catalog: MovieCatalog,
  ratings: readonly { movieId: number; rating: number }[],
  n: number,
): Omit<z.output<typeof visitorShape>, 'model'> {
  const model = serving.recommender;
  const ignoredMovieIds = ratings.filter((r) => model.factors.items.indexOf(r.movieId) < 0).map((r) => r.movieId);
  const prepared = prepareProfile(model, visitorProfile(model, ratings), false);
  return { ...recommendFor(serving, catalog, prepared, n), ignoredMovieIds };
}

export function describe(
  serving: ServingModel,
  catalog: MovieCatalog,
  item: number,
  predicted: number,
): RecommendedMovie {
  const movieId = serving.recommender.factors.items.idAt(item);
  const movie = catalog.get(movieId);
  return { movieId, title: movie?.title ?? null, genres: movie?.genres ?? [], predictedRating: round(predicted) };
}

export function modelRef(serving: ServingModel): z.output<typeof modelRefShape> {
  return { run: serving.manifest.run, digest: serving.digest };
}

export function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
