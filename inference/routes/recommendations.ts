import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { DEFAULT_N, visitorRecommendations as visitorAnswer, visitorRequest } from '../api-shapes.ts';
import { reply, sendJson } from '../json-response.ts';
import { ID_RANGE, integerParam, jsonBody, N_RANGE } from '../params.ts';
import { modelRef, userRecommendationsBody, visitorRecommendations } from '../recommendations.ts';
import { servingModel, type RouteDeps } from './route-deps.ts';

/** A known user's recommendations (a finished body, precomputed or cached), and a visitor's from a few ratings. */
export function addRecommendationRoutes(router: Router, deps: RouteDeps, read: readonly Middleware[]): void {
  const { holder, models, catalog, overlay, metrics } = deps;
  const userRecommendations: Middleware = (ctx) => {
    const userId = integerParam(ctx, 'userId', ID_RANGE);
    const live = models.answering(userId);
    const n = integerParam(ctx, 'n', N_RANGE, DEFAULT_N);
    const result = models.answer(live, () => userRecommendationsBody(live.model, catalog, overlay, userId, n));
    live.model.lastServed.set(userId, result.body);
    metrics.countRecommendationCacheLookup(result.cached);
    metrics.countRecommendations('user', result.coldStart);
    sendJson(ctx, result.body);
    models.answerInShadow(({ model }) => {
      model.lastServed.set(userId, userRecommendationsBody(model, catalog, overlay, userId, n).body);
    });
  };
  router.get('/v1/recommendations', ...read, userRecommendations);
  router.get('/recommendations', ...read, userRecommendations);

  router.post('/v1/recommendations', ...read, async (ctx) => {
    const request = await jsonBody(ctx, visitorRequest);
    const model = servingModel(holder);
    const result = visitorRecommendations(model, catalog, request.ratings, request.n);
    metrics.countRecommendations('visitor', result.coldStart);
    reply(ctx, visitorAnswer, { ...result, model: modelRef(model) });
  });
}
