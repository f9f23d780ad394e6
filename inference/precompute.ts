import type { Logger } from '../common/log.ts';
import type { MovieCatalog } from './movie-catalog.ts';
import type { RatingOverlay } from './rating-overlay.ts';
import { userRecommendationsBody } from './recommendations.ts';
import type { ServingModel } from './serving-model.ts';

/**
 * Fills the recommendation cache for every known user at the default n, in slices of a few
 * milliseconds between which requests run, so that answers for known users come from memory
 * (what Gorse-style services do offline). Each entry is exactly what a request would compute;
 * a user who rates is forgotten and recomputed on demand. Runs before the model is swapped in,
 * while the previous model keeps answering.
 */
export function precomputeRecommendations(
  serving: ServingModel,
  catalog: MovieCatalog,
  overlay: RatingOverlay,
  n: number,
  log: Logger,
  sliceMs = 4,
): Promise<void> {
  const users = serving.recommender.factors.users;
  if (serving.recommendationCache.capacity < users.size) {
    log.warn('recommendation cache smaller than the user count; not precomputing', {
      users: users.size,
      capacity: serving.recommendationCache.capacity,
    });
    return Promise.resolve();
  }
  const started = performance.now();
  let next = 0;
  return new Promise((resolve) => {
    const slice = (): void => {
      const until = performance.now() + sliceMs;
      while (next < users.size && performance.now() < until) {
        userRecommendationsBody(serving, catalog, overlay, users.idAt(next++), n);
      }
      serving.precomputed.users = next;
      if (next < users.size) {
        setImmediate(slice);
        return;
      }
      serving.precomputed.done = true;
      log.info('recommendations precomputed', { users: users.size, n, seconds: (performance.now() - started) / 1000 });
      resolve();
    };
    setImmediate(slice);
  });
}
