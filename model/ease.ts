import { KernelWorkspace } from './kernel/workspace.ts';
import type { RatingRows } from './training-set.ts';

/**
 * EASE^R (Steck, WWW 2019): a closed-form item-item model on binary "who rated what" data.
 * With G = XᵀX and P = (G + λI)⁻¹, the weights are B = I - P·diag(1/diag P), so B_ij = -P_ij / P_jj
 * and diag(B) = 0; a person's score of j is the sum of B_ij over the items i they rated.
 * The model covers the catalogue's most rated items only (the dense solve costs items³); the
 * others are left to the popularity ranking and the co-occurrence lists.
 */
export interface EaseModel {
  /** The catalogue index of each of the model's n items, ascending. */
  readonly items: Int32Array;
  /** B, n x n row-major: weights[p * n + q] is what rating items[p] adds to items[q]'s score. */
  readonly weights: Float32Array;
  readonly lambda: number;
  /** Per catalogue item, its position among `items`, -1 when the model does not cover it. */
  readonly positions: Int32Array;
}

export interface EaseParams {
  /** Ridge strengths to fit; the validation slice chooses among them. */
  lambdas: number[];
  /** Items need this many ratings to enter the model. */
  minRatings: number;
  /** At most this many items (the most rated), which bounds the solve's time and memory. */
  maxItems: number;
}

export const defaultEaseParams: EaseParams = { lambdas: [150, 400], minRatings: 5, maxItems: 1000 };

/** Pivots eliminated per block of the inversion (a multiple of 16, see kernel/ease.ts). */
const BLOCK = 64;

/** The items EASE covers: at least minRatings ratings, the maxItems most rated, ascending. */
export function easeItems(itemCounts: Int32Array, params: Pick<EaseParams, 'minRatings' | 'maxItems'>): Int32Array {
  const eligible: number[] = [];
  for (let i = 0; i < itemCounts.length; i++) if (itemCounts[i]! >= params.minRatings) eligible.push(i);
  eligible.sort((a, b) => itemCounts[b]! - itemCounts[a]! || a - b);
  return Int32Array.from(eligible.slice(0, params.maxItems)).sort();
}

/** One EASE model per λ in params.lambdas, from one Gram matrix. */
export function fitEase(rows: RatingRows, params: EaseParams): EaseModel[] {
  const items = easeItems(rows.itemCounts, params);
  const n = items.length;
  if (n === 0) return [];
  const position = easePositions(items, rows.items.size);
  const users = rows.users.size;
  const userOffsets = new Int32Array(users + 1);
  for (let k = 0; k < rows.length; k++) if (position[rows.itemIndex[k]!]! >= 0) userOffsets[rows.userIndex[k]! + 1]!++;
  for (let u = 0; u < users; u++) userOffsets[u + 1]! += userOffsets[u]!;
  const ld = Math.ceil(n / 16) * 16;
  const ws = new KernelWorkspace(
    {
      userOffsets: ['i32', users + 1],
      userItems: ['i32', userOffsets[users]!],
      gram: ['f32', ld * ld],
      a: ['f32', ld * ld],
      r: ['f32', BLOCK * ld],
      d: ['f32', BLOCK * BLOCK],
      saved: ['f32', 2 * BLOCK],
    },
    'ease',
  );
  const v = ws.views;
  const o = ws.offsets;
  v.userOffsets.set(userOffsets);
  const cursor = userOffsets.slice(0, users);
  for (let k = 0; k < rows.length; k++) {
    const p = position[rows.itemIndex[k]!]!;
    if (p >= 0) v.userItems[cursor[rows.userIndex[k]!]!++] = p;
  }
  ws.exports.accumulateGram(o.userOffsets, o.userItems, users, o.gram, ld);
  return params.lambdas.map((lambda) => {
    v.a.set(v.gram);
    for (let p = 0; p < ld; p++) v.a[p * ld + p] = p < n ? v.a[p * ld + p]! + lambda : 1;
    ws.exports.invertInPlace(o.a, ld, BLOCK, o.r, o.d, o.saved);
    return { items: items.slice(), weights: weightsFromInverse(v.a, n, ld), lambda, positions: position.slice() };
  });
}

/** B_pq = -P_pq / P_qq off the diagonal, 0 on it. */
function weightsFromInverse(inverse: Float32Array, n: number, ld: number): Float32Array {
  const weights = new Float32Array(n * n);
  const scale = new Float32Array(n);
  for (let q = 0; q < n; q++) scale[q] = -1 / inverse[q * ld + q]!;
  for (let p = 0; p < n; p++) {
    const row = p * ld;
    const out = p * n;
    for (let q = 0; q < n; q++) weights[out + q] = p === q ? 0 : inverse[row + q]! * scale[q]!;
  }
  return weights;
}

/**
 * A profile's EASE scores: sum of B's rows over the rated items the model covers, into `scores`
 * (length n, overwritten). Returns false when none of the rated items is covered. Four rows a pass
 * (each score still sums the rows in the profile's order, so the bits do not depend on it).
 */
export function easeScores(model: EaseModel, rated: Int32Array, scores: Float64Array): boolean {
  const n = model.items.length;
  const { positions, weights } = model;
  scores.fill(0);
  if (coveredRows.length < rated.length) coveredRows = new Int32Array(rated.length);
  let covered = 0;
  for (let k = 0; k < rated.length; k++) {
    const p = rated[k]! < positions.length ? positions[rated[k]!]! : -1;
    if (p >= 0) coveredRows[covered++] = p * n;
  }
  let r = 0;
  for (; r + 4 <= covered; r += 4) {
    const a = coveredRows[r]!;
    const b = coveredRows[r + 1]!;
    const c = coveredRows[r + 2]!;
    const d = coveredRows[r + 3]!;
    for (let q = 0; q < n; q++) {
      let sum = scores[q]!;
      sum += weights[a + q]!;
      sum += weights[b + q]!;
      sum += weights[c + q]!;
      sum += weights[d + q]!;
      scores[q] = sum;
    }
  }
  for (; r < covered; r++) {
    const a = coveredRows[r]!;
    for (let q = 0; q < n; q++) scores[q]! += weights[a + q]!;
  }
  return covered > 0;
}

/** easeScores' row offsets of the covered rated items, reused between calls. */
let coveredRows = new Int32Array(0);

/** Per catalogue item, its position in the EASE model, -1 when the model does not cover it. */
export function easePositions(items: Int32Array, catalogueSize: number): Int32Array {
  const positions = new Int32Array(catalogueSize).fill(-1);
  items.forEach((item, p) => {
    positions[item] = p;
  });
  return positions;
}
