import Koa from 'koa';
import type { Logger } from '../common/log.ts';
import type { Database } from '../storage/database.ts';
import { openAuth, type AuthConfig } from './auth.ts';
import type { ServiceMetrics } from './metrics.ts';
import { jsonErrors, observeRequests, onlyMethods, requireHost } from './middleware.ts';
import type { ModelHolder } from './model-holder.ts';
import type { MovieCatalog } from './movie-catalog.ts';
import { RatingOverlay } from './rating-overlay.ts';
import { buildRouter } from './routes.ts';

export interface AppDeps {
  holder: ModelHolder;
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

/** The service as a Koa app: observe (log + metrics), errors to JSON, then the routes. No listening here. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  // Errors reach the client through jsonErrors; Koa's own handler would print stacks to stderr.
  app.silent = true;
  const isAcceptingTraffic = deps.isAcceptingTraffic ?? (() => true);
  const router = buildRouter({
    holder: deps.holder,
    metrics: deps.metrics,
    catalog: deps.catalog ?? new Map(),
    overlay: deps.overlay ?? new RatingOverlay(),
    db: deps.db ?? null,
    databaseTimeoutMs: deps.databaseTimeoutMs ?? 5000,
    auth: deps.auth ?? openAuth,
    isAcceptingTraffic,
    ...(deps.webRoot ? { webRoot: deps.webRoot } : {}),
  });
  // While shutting down, every answer tells keep-alive clients to reconnect (to another pod).
  app.use((ctx, next) => {
    if (!isAcceptingTraffic()) ctx.set('Connection', 'close');
    return next();
  });
  app.use(observeRequests(deps.metrics, deps.log));
  app.use(jsonErrors(deps.log));
  app.use(requireHost());
  app.use(onlyMethods(router.methods, [...new Set(router.stack.flatMap((layer) => layer.methods)), 'OPTIONS']));
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true }));
  return app;
}
