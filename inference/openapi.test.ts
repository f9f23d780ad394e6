import { describe, expect, it } from 'vitest';
import { createLogger } from '../common/log.ts';
import { createServiceMetrics } from './metrics.ts';
import { LiveModels } from './live-models.ts';
import { ModelHolder } from './model-holder.ts';
import { openApiDocument } from './openapi.ts';
import { RatingOverlay } from './rating-overlay.ts';
import { buildRouter } from './routes.ts';
import { openAuth } from './auth.ts';

describe('OpenAPI document', () => {
  it('lists exactly the routes and methods the router serves', () => {
    const metrics = createServiceMetrics({ defaultMetrics: false });
    const log = createLogger({}, { write: () => {} });
    const holder = new ModelHolder(
      async () => {
        throw new Error('unused');
      },
      metrics,
      log,
    );
    const router = buildRouter({
      holder,
      models: new LiveModels(holder, metrics, log),
      catalog: new Map(),
      overlay: new RatingOverlay(),
      db: null,
      databaseTimeoutMs: 1000,
      metrics,
      auth: openAuth,
      isAcceptingTraffic: () => true,
    });
    const served = new Set<string>();
    for (const layer of router.stack) {
      const path = String(layer.path).replace(/:(\w+)/g, '{$1}');
      for (const method of layer.methods) if (method !== 'HEAD') served.add(`${method.toLowerCase()} ${path}`);
    }
    const documented = new Set<string>();
    for (const [path, item] of Object.entries(openApiDocument.paths)) {
      for (const method of Object.keys(item)) documented.add(`${method} ${path}`);
    }
    expect([...documented].sort()).toEqual([...served].sort());
  });

  it('documents every operation with responses, and every $ref resolves', () => {
    const text = JSON.stringify(openApiDocument);
    for (const [, section, name] of text.matchAll(/"\$ref":"#\/components\/(\w+)\/(\w+)"/g)) {
      expect((openApiDocument.components as Record<string, Record<string, unknown>>)[section!]).toHaveProperty(name!);
    }
    for (const item of Object.values(openApiDocument.paths)) {
      for (const op of Object.values(item))
        expect(Object.keys((op as { responses: object }).responses).length).toBeGreaterThan(0);
    }
  });
});
