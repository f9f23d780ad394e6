import type Router from '@koa/router';
import { health, readiness } from '../api-shapes.ts';
import { docsPage } from '../docs-page.ts';
import { reply, sendJson } from '../json-response.ts';
import { openApiDocument } from '../openapi.ts';
import { modelRef } from '../recommendations.ts';
import type { RouteDeps } from './route-deps.ts';

const openApiJson = JSON.stringify(openApiDocument);

/** What probes, Prometheus and API clients ask for: liveness, readiness, metrics, the OpenAPI document and its page. */
export function addOperationsRoutes(router: Router, deps: RouteDeps): void {
  const { holder, metrics, isAcceptingTraffic } = deps;
  router.get('/healthz', (ctx) => {
    reply(ctx, health, { status: 'ok' });
  });
  router.get('/readyz', (ctx) => {
    const model = holder.current;
    const ready = model !== null && isAcceptingTraffic();
    reply(
      ctx,
      readiness,
      { ready, model: model ? modelRef(model) : null, draining: !isAcceptingTraffic() },
      ready ? 200 : 503,
    );
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  router.get('/openapi.json', (ctx) => {
    sendJson(ctx, openApiJson);
  });
  router.get('/docs', (ctx) => {
    ctx.type = 'text/html';
    ctx.body = docsPage;
  });
}
