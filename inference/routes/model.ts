import type Router from '@koa/router';
import type { z } from 'zod';
import { modelSwapRequest, servedModel } from '../api-shapes.ts';
import { HttpError } from '../http-error.ts';
import { reply } from '../json-response.ts';
import { ModelLoadError } from '../model-holder.ts';
import { jsonBody } from '../params.ts';
import type { ServingModel } from '../serving-model.ts';
import { servingModel as currentModel, type Guards, type RouteDeps } from './route-deps.ts';

/** The model being served, and an operator's swap to another artifact. */
export function addModelRoutes(router: Router, deps: RouteDeps, guards: Guards): void {
  const { holder } = deps;
  router.get('/v1/model', ...guards.read, (ctx) => {
    reply(ctx, servedModel, modelDescription(currentModel(holder)));
  });

  router.post('/v1/admin/model', ...guards.admin, async (ctx) => {
    const request = await jsonBody(ctx, modelSwapRequest);
    try {
      const model = await holder.swap({ uri: request.uri, digest: request.digest });
      reply(ctx, servedModel, modelDescription(model));
    } catch (error) {
      if (!(error instanceof ModelLoadError)) throw error;
      const current = holder.current;
      throw new HttpError(
        error.refused ? 422 : 502,
        error.refused ? 'artifact_refused' : 'artifact_unreachable',
        `${error.message}; still serving ${current ? `${current.manifest.run} (${current.digest})` : 'no model'}`,
      );
    }
  });
}

function modelDescription(model: ServingModel): z.output<typeof servedModel> {
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
