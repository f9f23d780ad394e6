import { topN } from '../model/top-n.ts';
import type { ServingModel } from './serving-model.ts';

/**
 * The n items nearest to `item` by cosine of their factor vectors (norms precomputed at load).
 * Items with a zero vector (never trained) score NaN and are skipped.
 */
export function similarItems(
  serving: ServingModel,
  item: number,
  n: number,
): { items: Int32Array; scores: Float64Array } {
  const f = serving.recommender.factors;
  const { stride, itemFactors } = f;
  const norms = serving.itemNorms;
  const count = f.items.size;
  const scores = new Float64Array(count);
  const base = item * stride;
  const norm = norms[item]!;
  for (let j = 0; j < count; j++) {
    const other = j * stride;
    let dot = 0;
    for (let k = 0; k < stride; k++) dot += itemFactors[base + k]! * itemFactors[other + k]!;
    const denominator = norm * norms[j]!;
    scores[j] = denominator > 0 ? dot / denominator : Number.NaN;
  }
  scores[item] = Number.NaN;
  const items = topN(scores, n);
  return { items, scores: Float64Array.from(items, (j) => scores[j]!) };
}
