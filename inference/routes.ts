import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { predictRating, prefetchPrediction } from '../model/recommender.ts';
import { scopeGuard, type AuthConfig } from './auth.ts';
import { docsPage } from './docs-page.ts';
import { badParameter, HttpError } from './http-error.ts';
import { addInsightRoutes } from './insight-routes.ts';
import type { ServiceMetrics } from './metrics.ts';
import { ModelLoadError, type ModelHolder } from './model-holder.ts';
import type { MovieCatalog } from './movie-catalog.ts';
import { MovieSearch } from './movie-search.ts';
import { openApiDocument } from './openapi.ts';
import { thousandthsJson } from './json-number.ts';
import { integerParam, jsonBody, parseInteger } from './params.ts';
import type { RatingOverlay } from './rating-overlay.ts';
import { DatabaseUnavailableError, storeRating } from './rating-writer.ts';
import {
  describe,
  forgetUser,
  modelRef,
  round,
  userProfile,
  userRecommendationsBody,
  visitorRecommendations,
} from './recommendations.ts';
import { MAX_N, type ServingModel } from './serving-model.ts';
import { similarItems } from './similar-movies.ts';
import { addWebPageRoutes, DEFAULT_WEB_ROOT } from './web-page.ts';
import type { Database } from '../storage/database.ts';

export interface RouteDeps {
  holder: ModelHolder;
  catalog: MovieCatalog;
  overlay: RatingOverlay;
  db: Database | null;
  databaseTimeoutMs: number;
  metrics: ServiceMetrics;
  auth: AuthConfig;
  /** False once the server drains: readiness fails so that traffic moves elsewhere. */
  isAcceptingTraffic: () => boolean;
  /** The built web page (index.html, assets/); default inference/web/dist. */
  webRoot?: string;
}

const ID_RANGE = { min: 0, max: 0x7fffffff };
const N_RANGE = { min: 1, max: MAX_N };
export const DEFAULT_N = 10;
const MAX_QUERY_LENGTH = 200;

const ratingValue = z
  .number({ error: 'must be a number' })
  .min(0.5, 'must be at least 0.5')
  .max(5, 'must be at most 5')
  .refine((r) => Number.isInteger(r * 2), 'must be a multiple of 0.5');
const movieId = z.number({ error: 'must be an integer' }).int('must be an integer').min(ID_RANGE.min).max(ID_RANGE.max);

export const visitorRequestSchema = z
  .object({
    ratings: z
      .array(z.object({ movieId, rating: ratingValue }).strict(), { error: 'must be an array of {movieId, rating}' })
      .max(1000),
    n: z.number().int().min(N_RANGE.min).max(N_RANGE.max).default(DEFAULT_N),
  })
  .strict();

export const ratingRequestSchema = z.object({ userId: movieId, movieId, rating: ratingValue }).strict();

export const modelSwapRequestSchema = z
  .object({
    uri: z.string().min(1),
    digest: z
      .string()
      .regex(/^sha256:[0-9a-f]{64}$/, 'must look like sha256:<64 hex digits>')
      .optional(),
  })
  .strict();

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * A body already serialized, with the header Koa would give an object: set directly, because
 * Koa's `ctx.type` and object bodies look the type up through mime-types on every request.
 */
function sendJson(ctx: Context, json: string): void {
  ctx.set('Content-Type', JSON_CONTENT_TYPE);
  ctx.body = json;
}

/** Every route of the service; the OpenAPI document is checked against this list by a test. */
export function buildRouter(deps: RouteDeps): Router {
  const router = new Router();
  const read = scopeGuard(deps.auth.read);
  const write = scopeGuard(deps.auth.write);
  // Swapping models is an operator's act: admin credentials, else write credentials, and never
  // open: a service without either refuses swaps rather than loading whatever anyone names.
  const swappers = deps.auth.admin.length > 0 ? deps.auth.admin : deps.auth.write;
  const admin: Middleware[] =
    swappers.length > 0
      ? scopeGuard(swappers)
      : [
          () => {
            throw new HttpError(
              403,
              'forbidden',
              'model swaps need credentials: set MOVIE_RECO_AUTH_ADMIN (or MOVIE_RECO_AUTH_WRITE)',
            );
          },
        ];
  const { metrics } = deps;

  const serving = (): ServingModel => {
    const current = deps.holder.current;
    if (!current) throw new HttpError(503, 'no_model', 'no model is loaded yet');
    return current;
  };

  const userRecommendations: Middleware = (ctx) => {
    const model = serving();
    const userId = integerParam(ctx, 'userId', ID_RANGE);
    const n = integerParam(ctx, 'n', N_RANGE, DEFAULT_N);
    const result = userRecommendationsBody(model, deps.catalog, deps.overlay, userId, n);
    metrics.countRecommendationCacheLookup(result.cached);
    metrics.countRecommendations('user', result.coldStart);
    sendJson(ctx, result.body);
  };

  const predict: Middleware = (ctx) => {
    const model = serving();
    const userId = integerParam(ctx, 'userId', ID_RANGE);
    const movie = integerParam(ctx, 'movieId', ID_RANGE);
    const item = model.recommender.factors.items.indexOf(movie);
    if (item < 0) throw new HttpError(404, 'unknown_movie', `movie ${movie} is not known to the model`, 'movieId');
    prefetchPrediction(model.recommender, model.recommender.factors.users.indexOf(userId), item);
    const prepared = userProfile(model, deps.overlay, userId);
    const coldStart = prepared.profile.items.length === 0;
    metrics.countPrediction(coldStart);
    const predicted = thousandthsJson(predictRating(model.recommender, prepared, item));
    // What JSON.stringify makes of the object, without walking it: the hottest route's whole answer.
    sendJson(
      ctx,
      `{"userId":${userId},"movieId":${movie},"predictedRating":${predicted},"coldStart":${coldStart},"model":${model.refJson}}`,
    );
  };

  router.get('/v1/recommendations', ...read, userRecommendations);
  router.get('/recommendations', ...read, userRecommendations);
  router.get('/v1/predict', ...read, predict);
  router.get('/predict', ...read, predict);

  router.post('/v1/recommendations', ...read, async (ctx) => {
    const request = await jsonBody(ctx, visitorRequestSchema);
    const model = serving();
    const result = visitorRecommendations(model, deps.catalog, request.ratings, request.n);
    metrics.countRecommendations('visitor', result.coldStart);
    ctx.body = { ...result, model: modelRef(model) };
  });

  let movieSearch: MovieSearch | undefined;
  router.get('/v1/movies', ...read, (ctx) => {
    const raw = ctx.query.q;
    if (raw === undefined || raw === '') throw badParameter('q', 'is required: words of the title');
    if (Array.isArray(raw)) throw badParameter('q', 'must be given once');
    if (raw.length > MAX_QUERY_LENGTH) throw badParameter('q', `must be at most ${MAX_QUERY_LENGTH} characters`);
    const n = integerParam(ctx, 'n', N_RANGE, DEFAULT_N);
    if (deps.catalog.size === 0) {
      throw new HttpError(
        503,
        'no_catalogue',
        'this service has no movie catalogue to search: it reads titles from its database (MOVIE_RECO_DATABASE_URL)',
      );
    }
    movieSearch ??= new MovieSearch(deps.catalog);
    ctx.body = { q: raw, movies: movieSearch.search(raw, n, deps.holder.current) };
  });

  router.get('/v1/movies/:movieId/similar', ...read, (ctx) => {
    const model = serving();
    const id = parseInteger('movieId', ctx.params.movieId ?? '', ID_RANGE);
    const n = integerParam(ctx, 'n', N_RANGE, DEFAULT_N);
    const item = model.recommender.factors.items.indexOf(id);
    if (item < 0) throw new HttpError(404, 'unknown_movie', `movie ${id} is not known to the model`, 'movieId');
    let byN = model.similarCache.get(id);
    let body = byN?.get(n);
    if (body === undefined) {
      const { items, scores } = similarItems(model, item, n);
      const similar = Array.from(items, (j, k) => {
        const { predictedRating: _, ...movie } = describe(model, deps.catalog, j, 0);
        return { ...movie, similarity: round(scores[k]!) };
      });
      body = JSON.stringify({ movieId: id, ...movieSummary(deps.catalog, id), similar, model: modelRef(model) });
      if (!byN) model.similarCache.set(id, (byN = new Map()));
      byN.set(n, body);
    }
    sendJson(ctx, body);
  });

  router.post('/v1/ratings', ...write, async (ctx) => {
    const rating = await jsonBody(ctx, ratingRequestSchema);
    const model = deps.holder.current;
    if (!deps.catalog.has(rating.movieId) && !(model && model.recommender.factors.items.indexOf(rating.movieId) >= 0)) {
      throw new HttpError(404, 'unknown_movie', `movie ${rating.movieId} is not in the catalogue`, 'movieId');
    }
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
    deps.overlay.add(rating.userId, rating.movieId, rating.rating, stored.id);
    // Every model that may answer next (current, or one warming up to replace it) forgets the user's answers.
    for (const live of deps.holder.live) forgetUser(live, rating.userId);
    ctx.status = 201;
    ctx.body = { id: stored.id, ...rating };
  });

  router.get('/v1/model', ...read, (ctx) => {
    ctx.body = modelDescription(serving());
  });

  router.post('/v1/admin/model', ...admin, async (ctx) => {
    const request = await jsonBody(ctx, modelSwapRequestSchema);
    try {
      const model = await deps.holder.swap({ uri: request.uri, digest: request.digest });
      ctx.body = modelDescription(model);
    } catch (error) {
      if (!(error instanceof ModelLoadError)) throw error;
      const current = deps.holder.current;
      throw new HttpError(
        error.refused ? 422 : 502,
        error.refused ? 'artifact_refused' : 'artifact_unreachable',
        `${error.message}; still serving ${current ? `${current.manifest.run} (${current.digest})` : 'no model'}`,
      );
    }
  });

  addInsightRoutes(router, deps, read);
  addWebPageRoutes(router, deps.webRoot ?? DEFAULT_WEB_ROOT, read);

  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', (ctx) => {
    const model = deps.holder.current;
    const ready = model !== null && deps.isAcceptingTraffic();
    ctx.status = ready ? 200 : 503;
    ctx.body = { ready, model: model ? modelRef(model) : null, draining: !deps.isAcceptingTraffic() };
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  router.get('/openapi.json', (ctx) => {
    ctx.body = openApiDocument;
  });
  router.get('/docs', (ctx) => {
    ctx.type = 'text/html';
    ctx.body = docsPage;
  });
  return router;
}

function movieSummary(catalog: MovieCatalog, movieId: number): { title: string | null; genres: readonly string[] } {
  const movie = catalog.get(movieId);
  return { title: movie?.title ?? null, genres: movie?.genres ?? [] };
}

export function modelDescription(model: ServingModel): Record<string, unknown> {
  const m = model.manifest;
  return {
    model: m.model,
    run: m.run,
    digest: model.digest,
    uri: model.uri,
    metrics: m.metrics,
    trainedAt: m.createdAt,
    loadedAt: model.loadedAt.toISOString(),
    dimensions: m.dimensions,
    precomputedRecommendations: {
      users: model.precomputed.users,
      of: model.recommender.factors.users.size,
      done: model.precomputed.done,
    },
  };
}
