import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { predictRating, prefetchPrediction } from '../../model/recommender.ts';
import { thousandthsJson } from '../json-number.ts';
import { sendJson } from '../json-response.ts';
import { ID_RANGE, integerParam } from '../params.ts';
import { userProfile } from '../recommendations.ts';
import type { RatingOverlay } from '../rating-overlay.ts';
import type { ServingModel } from '../serving-model.ts';
import { unknownMovie, type RouteDeps } from './route-deps.ts';

/** A user's predicted rating of a movie: the service's hottest route. */
export function addPredictRoutes(router: Router, deps: RouteDeps, read: readonly Middleware[]): void {
  const { models, overlay, metrics } = deps;
  const predict: Middleware = (ctx) => {
    const userId = integerParam(ctx, 'userId', ID_RANGE);
    const live = models.answering(userId);
    const { model } = live;
    const movie = integerParam(ctx, 'movieId', ID_RANGE);
    const item = model.recommender.factors.items.indexOf(movie);
    if (item < 0) throw unknownMovie(movie);
    const { predicted: rating, coldStart } = models.answer(live, () => predictFor(model, overlay, userId, item));
    metrics.countPrediction(coldStart);
    const predicted = thousandthsJson(rating);
    // api-shapes.ts's `prediction` as JSON.stringify would write it, without walking an object.
    sendJson(
      ctx,
      `{"userId":${userId},"movieId":${movie},"predictedRating":${predicted},` +
        `"coldStart":${coldStart},"model":${model.refJson}}`,
    );
    models.answerInShadow((shadow) => {
      const shadowItem = shadow.model.recommender.factors.items.indexOf(movie);
      if (shadowItem >= 0) predictFor(shadow.model, overlay, userId, shadowItem);
    });
  };
  router.get('/v1/predict', ...read, predict);
  router.get('/predict', ...read, predict);
}

function predictFor(
  model: ServingModel,
  overlay: RatingOverlay,
  userId: number,
  item: number,
): { predicted: number; coldStart: boolean } {
  prefetchPrediction(model.recommender, model.recommender.factors.users.indexOf(userId), item);
  const prepared = userProfile(model, overlay, userId);
  return {
    predicted: predictRating(model.recommender, prepared, item),
    coldStart: prepared.profile.items.length === 0,
  };
}
