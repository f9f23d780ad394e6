import type { EaseModel } from './ease.ts';
import type { FactorModel } from './factor-model.ts';
import type { CooccurrenceModel } from './neighbors.ts';
import { topN } from './top-n.ts';

/**
 * Each movie's most similar movies, best first, precomputed at training: movie i's list is at
 * [offsets[i], offsets[i + 1]) of items/scores. An empty list means the item-item models know
 * nothing of the movie; the service then falls back to the cosine of factor vectors.
 */
export interface SimilarLists {
  readonly offsets: Int32Array;
  readonly items: Int32Array;
  readonly scores: Float32Array;
}

/** Movies kept per list: the service's largest n. */
export const SIMILAR_PER_MOVIE = 100;

/**
 * From EASE's weights where EASE covers the movie (row i of B: what liking i adds to each other
 * movie's score; positive weights only), otherwise from the co-occurrence list.
 */
export function buildSimilarLists(
  catalogueSize: number,
  ease: EaseModel | null,
  cooccurrence: CooccurrenceModel | null,
  perMovie = SIMILAR_PER_MOVIE,
): SimilarLists | null {
  if (!ease && !cooccurrence) return null;
  const offsets = new Int32Array(catalogueSize + 1);
  const items: number[] = [];
  const scores: number[] = [];
  const n = ease?.items.length ?? 0;
  for (let i = 0; i < catalogueSize; i++) {
    const p = ease ? ease.positions[i]! : -1;
    if (p >= 0) {
      const row = ease!.weights.subarray(p * n, (p + 1) * n);
      for (const q of topN(row, perMovie, (q) => row[q]! <= 0)) {
        items.push(ease!.items[q]!);
        scores.push(row[q]!);
      }
    } else if (cooccurrence) {
      const start = cooccurrence.offsets[i]!;
      const end = Math.min(cooccurrence.offsets[i + 1]!, start + perMovie);
      for (let a = start; a < end; a++) {
        items.push(cooccurrence.neighborItems[a]!);
        scores.push(cooccurrence.similarities[a]!);
      }
    }
    offsets[i + 1] = items.length;
  }
  return { offsets, items: Int32Array.from(items), scores: Float32Array.from(scores) };
}

/**
 * The n movies nearest to `item` by cosine of their factor vectors (`norms` from itemFactorNorms).
 * Items with a zero vector (never trained) score NaN and are skipped.
 */
export function factorCosineNeighbors(
  f: FactorModel,
  norms: Float32Array,
  item: number,
  n: number,
): { items: Int32Array; scores: Float64Array } {
  const { stride, itemFactors } = f;
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
