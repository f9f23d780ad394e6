/**
 * Read-only JSON for the web page's Models and Data views: training runs, searches, promotions and
 * gate decisions, epoch curves and the shape of the ratings table from the database; the live
 * models' online figures and the cold-start share from the service's own counters. Without a
 * database the database-backed ones answer 503 no_database.
 */
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { z } from 'zod';
import type { Database } from '../../storage/database.ts';
import { listEpochsOfRuns, listModels, ratingsOverview } from '../../storage/insights.ts';
import { listGateDecisions } from '../../storage/gate-decisions.ts';
import { listPromotions } from '../../storage/promotions.ts';
import { listSearches } from '../../storage/search-trials.ts';
import { listRuns } from '../../storage/training-runs.ts';
import { epochsInsight, MAX_EPOCH_RUNS, modelsInsight, NAME, ratingsInsight, trafficInsight } from '../api-shapes.ts';
import { badParameter, HttpError } from '../http-error.ts';
import { reply } from '../json-response.ts';
import { liveModelFigures } from '../online-figures.ts';
import type { RouteDeps } from './route-deps.ts';

/** Aggregating a large ratings table takes seconds; the page asks often, the table changes slowly. */
const RATINGS_OVERVIEW_TTL_MS = 60_000;
const MAX_RUNS = 500;
const MAX_PROMOTIONS = 200;
const MAX_DECISIONS = 200;
const MAX_SEARCHES = 20;

export function addInsightRoutes(router: Router, deps: RouteDeps, read: readonly Middleware[]): void {
  const countingSince = new Date();
  // Aggregates can legitimately take longer than a write may; a dead database still fails in bounded time.
  const timeoutMs = Math.max(deps.databaseTimeoutMs, 30_000);
  const query = <T>(run: (db: Database) => Promise<T>): Promise<T> => queryDatabase(deps.db, timeoutMs, run);
  let overview: { at: number; value: Promise<z.output<typeof ratingsInsight>> } | undefined;

  router.get('/v1/insights/models', ...read, async (ctx) => {
    const requested = nameParam(ctx, 'model');
    const { models, runs, promotions, decisions, searches, model } = await query(async (db) => {
      const models = await listModels(db);
      const model = requested ?? deps.holder.current?.manifest.model ?? models[0]?.model ?? null;
      if (model === null) return { models, model, runs: [], promotions: [], decisions: [], searches: [] };
      const [runs, promotions, decisions, searches] = await Promise.all([
        listRuns(db, model, { limit: MAX_RUNS }),
        listPromotions(db, model, MAX_PROMOTIONS),
        listGateDecisions(db, model, MAX_DECISIONS),
        listSearches(db, model, MAX_SEARCHES),
      ]);
      return { models, model, runs, promotions, decisions, searches };
    });
    const serving = deps.holder.current;
    reply(ctx, modelsInsight, {
      model,
      models,
      serving: serving ? { model: serving.manifest.model, run: serving.manifest.run, digest: serving.digest } : null,
      champion: promotions[0] ?? null,
      runs,
      promotions,
      decisions,
      searches,
      live: await liveInsight(deps),
    });
  });

  router.get('/v1/insights/epochs', ...read, async (ctx) => {
    const raw = ctx.query.runId;
    const runIds = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    if (runIds.length === 0) throw badParameter('runId', 'is required (repeat it for several runs)');
    if (runIds.length > MAX_EPOCH_RUNS)
      throw badParameter('runId', `at most ${MAX_EPOCH_RUNS} runs at once, got ${runIds.length}`);
    for (const id of runIds)
      if (!NAME.test(id)) throw badParameter('runId', `is not a run id: ${JSON.stringify(id.slice(0, 40))}`);
    reply(ctx, epochsInsight, { runs: await query((db) => listEpochsOfRuns(db, [...new Set(runIds)])) });
  });

  router.get('/v1/insights/ratings', ...read, async (ctx) => {
    if (!overview || Date.now() - overview.at > RATINGS_OVERVIEW_TTL_MS) {
      const value = query(ratingsOverview).then((result) => ({ ...result, computedAt: new Date() }));
      const entry = { at: Date.now(), value };
      overview = entry;
      // A failure is not remembered: the next request asks the database again.
      value.catch(() => {
        if (overview === entry) overview = undefined;
      });
    }
    reply(ctx, ratingsInsight, await overview.value);
  });

  router.get('/v1/insights/traffic', ...read, async (ctx) => {
    const recommendations = { user: { coldStart: 0, total: 0 }, visitor: { coldStart: 0, total: 0 } };
    for (const { value, labels } of (await deps.metrics.recommendations.get()).values) {
      const kind = labels.kind === 'visitor' ? recommendations.visitor : recommendations.user;
      kind.total += value;
      if (labels.cold_start === 'true') kind.coldStart += value;
    }
    const predictions = { coldStart: 0, total: 0 };
    for (const { value, labels } of (await deps.metrics.predictions.get()).values) {
      predictions.total += value;
      if (labels.cold_start === 'true') predictions.coldStart += value;
    }
    reply(ctx, trafficInsight, { countingSince, recommendations, predictions });
  });
}

/** The models this pod serves, with the online figures its own counters hold for each. */
async function liveInsight({ models, metrics }: RouteDeps) {
  const serving = models.serving();
  const figures = liveModelFigures(
    await metrics.registry.metrics(),
    serving.map(({ role, model }) => ({ role, run: model.manifest.run })),
  );
  return {
    mode: models.settings?.mode ?? null,
    sharePercent: models.settings?.sharePercent ?? 0,
    models: figures.map((figure, k) => ({ ...figure, digest: serving[k]!.model.digest })),
  };
}

function nameParam(ctx: Context, name: string): string | undefined {
  const raw = ctx.query[name];
  if (raw === undefined || raw === '') return undefined;
  if (Array.isArray(raw)) throw badParameter(name, 'must be given once');
  if (!NAME.test(raw)) throw badParameter(name, `is not a model name: ${JSON.stringify(raw.slice(0, 40))}`);
  return raw;
}

async function queryDatabase<T>(db: Database | null, timeoutMs: number, run: (db: Database) => Promise<T>): Promise<T> {
  if (!db) {
    throw new HttpError(
      503,
      'no_database',
      'this service has no database (MOVIE_RECO_DATABASE_URL): ' +
        'training runs, promotions and rating statistics are not available',
    );
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new HttpError(503, 'database_unavailable', `the database did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([run(db), timeout]);
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new HttpError(
      503,
      'database_unavailable',
      `the database did not answer: ${String((error as Error).message).split('\n')[0]}`,
    );
  } finally {
    clearTimeout(timer);
  }
}
