import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { predictRating, prefetchPrediction } from '../../model/recommender.ts';
import { thousandthsJson } from '../json-number.ts';
import { sendJson } from '../json-response.ts';
import { ID_RANGE, integerParam } from '../params.ts';
import { userProfile } from '../recommendations.ts';
import { servingModel, unknownMovie, type RouteDeps } from './route-deps.ts';

/** A user's predicted rating of a movie: the service's hottest route. */
export function addPredictRoutes(router: Router, deps: RouteDeps, read: readonly Middleware[]): void {
  const { holder, overlay, metrics } = deps;
  const predict: Middleware = (ctx) => {
    const model = servingModel(holder);
    const userId = integerParam(ctx, 'userId', ID_RANGE);
    const movie = integerParam(ctx, 'movieId', ID_RANGE);
    const item = model.recommender.factors.items.indexOf(movie);
    if (item < 0) throw unknownMovie(movie);
    prefetchPrediction(model.recommender, model.recommender.factors.users.indexOf(userId), item);
    const prepared = userProfile(model, overlay, userId);
    const coldStart = prepared.profile.items.length === 0;
    metrics.countPrediction(coldStart);
    const predicted = thousandthsJson(predictRating(model.recommender, prepared, item));
    // api-shapes.ts's `prediction` as JSON.stringify would write it, without walking an object.
    sendJson(
      ctx,
      `{"userId":${userId},"movieId":${movie},"predictedRating":${predicted},` +
        `"coldStart":${coldStart},"model":${model.refJson}}`,
    );
  };
  router.get('/v1/predict', ...read, predict);
  router.get('/predict', ...read, predict);
}
