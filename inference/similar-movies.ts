import { factorCosineNeighbors } from '../model/similar.ts';
import type { ServingModel } from './serving-model.ts';

/**
 * The n movies most similar to `item`: the list precomputed at training from the ranking's
 * item-item model, read from memory; for a movie without one (or a model from before the lists),
 * the cosine of factor vectors.
 */
export function similarItems(
  serving: ServingModel,
  item: number,
  n: number,
): { items: Int32Array; scores: Float64Array } {
  const { similar, factors } = serving.recommender;
  if (similar) {
    const start = similar.offsets[item]!;
    const end = similar.offsets[item + 1]!;
    if (end > start) {
      const stop = Math.min(end, start + n);
      return {
        items: similar.items.slice(start, stop),
        scores: Float64Array.from(similar.scores.subarray(start, stop)),
      };
    }
  }
  return factorCosineNeighbors(factors, serving.itemNorms, item, n);
}
