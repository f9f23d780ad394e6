import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { ratingRequest, storedRating } from '../api-shapes.ts';
import { HttpError } from '../http-error.ts';
import { reply } from '../json-response.ts';
import { jsonBody } from '../params.ts';
import { DatabaseUnavailableError, storeRating } from '../rating-writer.ts';
import { forgetUser } from '../recommendations.ts';
import { unknownMovie, type RouteDeps } from './route-deps.ts';

/** A new rating: acknowledged once the database committed it, then taken into account at once. */
export function addRatingRoutes(router: Router, deps: RouteDeps, write: readonly Middleware[]): void {
  const { holder, models, catalog, overlay, metrics } = deps;
  router.post('/v1/ratings', ...write, async (ctx) => {
    const rating = await jsonBody(ctx, ratingRequest);
    const model = holder.current;
    if (!catalog.has(rating.movieId) && !(model && model.recommender.factors.items.indexOf(rating.movieId) >= 0)) {
      throw unknownMovie(rating.movieId, 'in the catalogue');
    }
    // Each live model's prediction, made before the rating is stored and taken into account.
    const labels = models.labelsBefore(overlay, rating.userId, rating.movieId);
    let stored: { id: number };
    try {
      stored = await storeRating(deps.db, rating, deps.databaseTimeoutMs);
    } catch (error) {
      if (!(error instanceof DatabaseUnavailableError)) throw error;
      metrics.ratingStoreFailures.inc();
      ctx.set('Retry-After', '5');
      throw new HttpError(
        503,
        'database_unavailable',
        `${error.message}; the rating was not acknowledged, retry later`,
      );
    }
    metrics.ratingsStored.inc();
    overlay.add(rating.userId, rating.movieId, rating.rating, stored.id);
    // Every model that may answer next (current, or one warming up to replace it) forgets the user's answers.
    for (const live of models.all()) forgetUser(live, rating.userId);
    models.record(labels.map((label) => ({ ...label, rating: rating.rating })));
    reply(ctx, storedRating, { id: stored.id, ...rating }, 201);
  });
}
