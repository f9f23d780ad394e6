import Router from '@koa/router';
import { addInsightRoutes } from './routes/insights.ts';
import { addModelRoutes } from './routes/model.ts';
import { addMovieRoutes } from './routes/movies.ts';
import { addOperationsRoutes } from './routes/operations.ts';
import { addPredictRoutes } from './routes/predict.ts';
import { addRatingRoutes } from './routes/ratings.ts';
import { addRecommendationRoutes } from './routes/recommendations.ts';
import { guardsOf, type RouteDeps } from './routes/route-deps.ts';
import { addWebPageRoutes, DEFAULT_WEB_ROOT } from './web-page.ts';

/** Every route of the service; the OpenAPI document is checked against this list by a test. */
export function buildRouter(deps: RouteDeps): Router {
  const router = new Router();
  const guards = guardsOf(deps.auth);
  addRecommendationRoutes(router, deps, guards.read);
  addPredictRoutes(router, deps, guards.read);
  addMovieRoutes(router, deps, guards.read);
  addRatingRoutes(router, deps, guards.write);
  addModelRoutes(router, deps, guards);
  addInsightRoutes(router, deps, guards.read);
  addWebPageRoutes(router, deps.webRoot ?? DEFAULT_WEB_ROOT, guards.read);
  addOperationsRoutes(router, deps);
  return router;
}
