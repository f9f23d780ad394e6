import { easePositions, type EaseModel } from './ease.ts';
import type { FactorModel } from './factor-model.ts';
import type { IalsRanking } from './ials-ranking.ts';
import { KernelWorkspace } from './kernel/workspace.ts';
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

/** iALS item factors as a source of similar lists, with the support a movie needs to take part. */
export interface IalsSimilarSource {
  ranking: IalsRanking;
  /** Ratings per catalogue item (of the ratings the model saw). */
  itemCounts: Int32Array;
  /** Movies with fewer ratings get no iALS list and appear in none: their factors are mostly noise. */
  minSupport: number;
  /** Lists draw from at most this many movies, the most rated (bounds the items x pool cosines). */
  maxPool: number;
}

export const IALS_SIMILAR_SUPPORT = { minSupport: 20, maxPool: 4_000 };

/**
 * With iALS (when it ranks): the cosine of item factors where the movie has the support, among the
 * supported movies. Otherwise from EASE's weights where EASE covers the movie (row i of B: what
 * liking i adds to each other movie's score; positive weights only). Otherwise from the
 * co-occurrence list.
 */
export function buildSimilarLists(
  catalogueSize: number,
  sources: { ease: EaseModel | null; cooccurrence: CooccurrenceModel | null; ials?: IalsSimilarSource | null },
  perMovie = SIMILAR_PER_MOVIE,
): SimilarLists | null {
  const { ease, cooccurrence, ials } = sources;
  if (!ease && !cooccurrence && !ials) return null;
  const offsets = new Int32Array(catalogueSize + 1);
  const items: number[] = [];
  const scores: number[] = [];
  const n = ease?.items.length ?? 0;
  const cosine = ials ? ialsCosineLists(ials, perMovie) : null;
  for (let i = 0; i < catalogueSize; i++) {
    const p = ease ? ease.positions[i]! : -1;
    const fromIals = cosine?.get(i);
    if (fromIals) {
      items.push(...fromIals.items);
      scores.push(...fromIals.scores);
    } else if (p >= 0) {
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

/** Each supported movie's perMovie nearest supported movies by cosine of iALS item factors (positive only). */
function ialsCosineLists(
  source: IalsSimilarSource,
  perMovie: number,
): Map<number, { items: Int32Array; scores: Float64Array }> {
  const { ranking, itemCounts, minSupport, maxPool } = source;
  const k = ranking.factors;
  const supported: number[] = [];
  for (let i = 0; i < itemCounts.length; i++) if (itemCounts[i]! >= minSupport) supported.push(i);
  const pool = Int32Array.from(
    [...supported].sort((a, b) => itemCounts[b]! - itemCounts[a]! || a - b).slice(0, maxPool),
  ).sort();
  // unit rows, padded to whole f32x4 lanes; the pool's contiguous, so that each list is one kernel call
  const stride = Math.ceil(k / 4) * 4;
  const ws = new KernelWorkspace(
    { row: ['f32', stride], pool: ['f32', pool.length * stride], cosines: ['f32', pool.length] },
    'ials',
  );
  const unit = (i: number, out: Float32Array, at: number): void => {
    let norm = 0;
    for (let x = 0; x < k; x++) norm += ranking.itemFactors[i * k + x]! ** 2;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let x = 0; x < k; x++) out[at + x] = ranking.itemFactors[i * k + x]! * scale;
  };
  for (let p = 0; p < pool.length; p++) unit(pool[p]!, ws.views.pool, p * stride);
  const positions = easePositions(pool, itemCounts.length);
  const cosines = ws.views.cosines;
  const lists = new Map<number, { items: Int32Array; scores: Float64Array }>();
  for (const i of supported) {
    unit(i, ws.views.row, 0);
    ws.exports.dotRows(ws.offsets.row, ws.offsets.pool, pool.length, stride, ws.offsets.cosines);
    const self = positions[i]!;
    const best = topN(cosines, perMovie, (p) => p === self || cosines[p]! <= 0);
    lists.set(i, {
      items: Int32Array.from(best, (p) => pool[p]!),
      scores: Float64Array.from(best, (p) => cosines[p]!),
    });
  }
  return lists;
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
