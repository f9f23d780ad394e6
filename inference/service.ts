import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../common/log.ts';
import { openDatabase, type Database } from '../storage/database.ts';
import { migrateToLatest } from '../storage/migrations.ts';
import { createApp } from './app.ts';
import type { ServeConfig } from './config.ts';
import { createServiceMetrics, type ServiceMetrics } from './metrics.ts';
import { LiveModels } from './live-models.ts';
import { ModelHolder } from './model-holder.ts';
import { loadServingModel, type ModelSource } from './model-loader.ts';
import { readModelSourceFile, watchModelSourceFile } from './model-watch.ts';
import { loadMovieCatalog, type MovieCatalog } from './movie-catalog.ts';
import { precomputeRecommendations } from './precompute.ts';
import { RatingOverlay } from './rating-overlay.ts';
import { forgetUser } from './recommendations.ts';
import { DEFAULT_N } from './api-shapes.ts';
import { listen, type RunningServer } from './server.ts';
import type { ServingModel } from './serving-model.ts';

export interface RunningService {
  readonly port: number;
  readonly holder: ModelHolder;
  readonly models: LiveModels;
  readonly metrics: ServiceMetrics;
  /**
   * Readiness fails, the server keeps answering for the shutdown delay, then drains; the watch
   * stops, the database closes.
   */
  stop(): Promise<void>;
}

/**
 * Opens the database, loads the catalogue, listens, then loads the model (failing the start
 * without a verified one).
 */
export async function startService(config: ServeConfig, log: Logger): Promise<RunningService> {
  let db: Database | null = null;
  let catalog: MovieCatalog = new Map();
  if (config.databaseUrl) {
    db = await openDatabase(config.databaseUrl);
    try {
      await migrateToLatest(db);
      catalog = await loadMovieCatalog(db);
    } catch (error) {
      await db.close();
      throw error;
    }
    log.info('movie catalogue loaded', { movies: catalog.size, database: db.displayUrl });
  } else {
    log.warn('no MOVIE_RECO_DATABASE_URL: answers carry no titles and POST /v1/ratings answers 503');
  }
  const metrics = createServiceMetrics();
  const overlay = new RatingOverlay();
  const loadModel = (source: ModelSource) =>
    loadServingModel(source, { s3: config.s3, cacheSize: config.recommendationCacheSize });
  const precompute = config.precompute
    ? (model: ServingModel) =>
        precomputeRecommendations(model, catalog, overlay, DEFAULT_N, log.child({ component: 'precompute' }))
    : undefined;
  const holder = new ModelHolder(loadModel, metrics, log.child({ component: 'model' }), precompute, (model) => {
    const learnedUpTo = Number(model.manifest.dataSnapshot?.maxRatingId);
    if (!Number.isFinite(learnedUpTo)) return;
    // These users' cached answers came from overlay + model; the model now holds those ratings.
    for (const userId of overlay.forgetLearned(learnedUpTo)) forgetUser(model, userId);
  });
  // The challenger's lists are precomputed too: its answers cost what the champion's do.
  const challenger = config.challenger && {
    holder: new ModelHolder(
      loadModel,
      metrics,
      log.child({ component: 'challenger' }),
      precompute,
      undefined,
      config.challenger.settings.mode,
    ),
    settings: config.challenger.settings,
  };
  const models = new LiveModels(holder, metrics, log.child({ component: 'online' }), challenger);
  let stopWatch = (): void => {};
  let accepting = true;
  const app = createApp({
    holder,
    models,
    metrics,
    log: log.child({ component: 'http' }),
    catalog,
    overlay,
    db,
    databaseTimeoutMs: config.databaseTimeoutMs,
    auth: config.auth,
    isAcceptingTraffic: () => accepting,
  });
  // Listen before the first load: /healthz answers (so a liveness probe does not kill a pod that
  // is still warming a large model) while /readyz says 503 until a verified model serves.
  let server: RunningServer | undefined;
  try {
    server = await listen(app, config.host, config.port, log);
    const source: ModelSource = config.modelUriFile
      ? await readModelSourceFile(config.modelUriFile)
      : { uri: config.modelUri!, digest: config.modelDigest };
    await holder.swap(source);
    // The challenger joins once loaded and warmed, without holding readiness back; one that fails
    // to load (logged, counted) leaves the champion serving every user.
    if (challenger && config.challenger) void challenger.holder.swap(config.challenger.source).catch(() => {});
    if (config.modelUriFile) {
      stopWatch = watchModelSourceFile(
        config.modelUriFile,
        (next) => {
          const current = holder.current;
          if (current && current.uri === next.uri && (!next.digest || next.digest === current.digest)) return;
          void holder.swap(next).catch(() => {});
        },
        log,
      );
    }
    const running = server;
    return {
      port: running.port,
      holder,
      models,
      metrics,
      async stop() {
        accepting = false;
        // Endpoints and load balancers learn of the failing readiness (or the pod's deletion)
        // a moment later; closing the listener at once would refuse the requests still on the way.
        if (config.shutdownDelaySeconds > 0) {
          log.info('failing readiness before closing', { shutdownDelaySeconds: config.shutdownDelaySeconds });
          await sleep(config.shutdownDelaySeconds * 1000);
        }
        stopWatch();
        await running.drain(config.drainSeconds);
        await db?.close();
      },
    };
  } catch (error) {
    stopWatch();
    await server?.drain(0);
    await db?.close();
    throw error;
  }
}
