import Koa from 'koa';
import type { Logger } from '../common/log.ts';
import type { Database } from '../storage/database.ts';
import { openAuth, type AuthConfig } from './auth.ts';
import { LiveModels } from './live-models.ts';
import type { ServiceMetrics } from './metrics.ts';
import { frontDoor } from './middleware.ts';
import type { ModelHolder } from './model-holder.ts';
import type { MovieCatalog } from './movie-catalog.ts';
import { RatingOverlay } from './rating-overlay.ts';
import { routesWithExactPaths } from './route-table.ts';
import { buildRouter } from './routes.ts';

export interface AppDeps {
  holder: ModelHolder;
  /** Champion (`holder`) and challenger; the champion alone when unset. */
  models?: LiveModels;
  metrics: ServiceMetrics;
  log: Logger;
  catalog?: MovieCatalog;
  overlay?: RatingOverlay;
  db?: Database | null;
  databaseTimeoutMs?: number;
  auth?: AuthConfig;
  isAcceptingTraffic?: () => boolean;
  /** The built web page; default inference/web/dist. */
  webRoot?: string;
}

/** The service as a Koa app: the front door (checks, errors to JSON, log + metrics), then the routes; no listening. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  // Errors reach the client through the front door; Koa's own handler would print stacks to stderr.
  app.silent = true;
  const isAcceptingTraffic = deps.isAcceptingTraffic ?? (() => true);
  const router = buildRouter({
    holder: deps.holder,
    models: deps.models ?? new LiveModels(deps.holder, deps.metrics, deps.log),
    metrics: deps.metrics,
    catalog: deps.catalog ?? new Map(),
    overlay: deps.overlay ?? new RatingOverlay(),
    db: deps.db ?? null,
    databaseTimeoutMs: deps.databaseTimeoutMs ?? 5000,
    auth: deps.auth ?? openAuth,
    isAcceptingTraffic,
    ...(deps.webRoot ? { webRoot: deps.webRoot } : {}),
  });
  app.use(
    frontDoor({
      metrics: deps.metrics,
      log: deps.log,
      isAcceptingTraffic,
      implementedMethods: router.methods,
      allow: [...new Set(router.stack.flatMap((layer) => layer.methods)), 'OPTIONS'],
    }),
  );
  app.use(routesWithExactPaths(router));
  app.use(router.allowedMethods({ throw: true }));
  return app;
}
