import { fitBaseline, type Baseline, type BaselineParams, defaultBaselineParams } from './baseline.ts';
import { KernelWorkspace } from './kernel/workspace.ts';
import { indexOfSorted, type UserProfile } from './profile.ts';
import { groupByRow, type TrainingSet } from './training-set.ts';

/**
 * Item-based k-nearest-neighbours on baseline residuals (Koren's "KNNBaseline"):
 * rating(u, i) = b_ui + sum_j s_ij (r_uj - b_uj) / sum_j s_ij over the k most similar items j
 * that u rated. Similarity is the Pearson correlation of baseline residuals over common raters,
 * shrunk towards zero for pairs with few common raters. Each item keeps its `keep` most similar
 * items, which bounds the model's size and the work per prediction.
 */
export interface NeighborModel {
  readonly baseline: Baseline;
  /** neighbours of item i are at [offsets[i], offsets[i+1]) of neighborItems/similarities, best first. */
  readonly offsets: Int32Array;
  readonly neighborItems: Int32Array;
  readonly similarities: Float32Array;
  readonly k: number;
}

export interface NeighborParams {
  /** Neighbours used per prediction. */
  k: number;
  /** Neighbours kept per item. */
  keep: number;
  shrinkage: number;
  minSupport: number;
  baseline: BaselineParams;
}

export const defaultNeighborParams: NeighborParams = {
  k: 40,
  keep: 200,
  shrinkage: 100,
  minSupport: 2,
  baseline: defaultBaselineParams,
};

/** The work a fit costs: the number of co-rating pairs, sum over users of (ratings per user)^2. */
export function neighborFitCost(set: TrainingSet): number {
  let pairs = 0;
  for (let u = 0; u < set.users.size; u++) {
    const d = set.userOffsets[u + 1]! - set.userOffsets[u]!;
    pairs += d * d;
  }
  return pairs;
}

/**
 * Item-item co-occurrence for ranking: cosine of the binary "who rated it" vectors,
 * n_ij / sqrt(n_i n_j). Scores a user's candidates by summing the similarities of the items
 * the user rated; each item keeps its `keep` most similar items.
 */
export interface CooccurrenceModel {
  readonly offsets: Int32Array;
  readonly neighborItems: Int32Array;
  readonly similarities: Float32Array;
}

export interface ItemNeighbors {
  rating: NeighborModel;
  cooccurrence: CooccurrenceModel;
}

/** Top-`keep` lists per item, appended row by row into one CSR table. */
class NeighborTableBuilder {
  readonly offsets: Int32Array;
  #items: Int32Array;
  #sims: Float32Array;
  #row = 0;

  constructor(rows: number, expected: number) {
    this.offsets = new Int32Array(rows + 1);
    this.#items = new Int32Array(Math.max(16, expected));
    this.#sims = new Float32Array(Math.max(16, expected));
  }

  /** Appends the best `keep` of the candidates (positive similarities only), best first. */
  appendRow(candidates: Int32Array, sims: Float32Array, count: number, keep: number, order: Int32Array): void {
    const start = this.offsets[this.#row]!;
    let kept = 0;
    if (count > 0) {
      kept = Math.min(keep, count);
      const best = selectBest(order, sims, candidates, count, kept);
      this.#ensure(start + kept);
      for (let c = 0; c < kept; c++) {
        this.#items[start + c] = candidates[best[c]!]!;
        this.#sims[start + c] = sims[best[c]!]!;
      }
    }
    this.offsets[++this.#row] = start + kept;
  }

  build(): { offsets: Int32Array; neighborItems: Int32Array; similarities: Float32Array } {
    const total = this.offsets[this.#row]!;
    return { offsets: this.offsets, neighborItems: this.#items.slice(0, total), similarities: this.#sims.slice(0, total) };
  }

  #ensure(capacity: number): void {
    if (capacity <= this.#items.length) return;
    const size = Math.max(capacity, this.#items.length * 2);
    const items = new Int32Array(size);
    items.set(this.#items);
    const sims = new Float32Array(size);
    sims.set(this.#sims);
    this.#items = items;
    this.#sims = sims;
  }
}

/** Indices of the `kept` highest sims, best first: quickselect, then a sort of the kept part only. */
function selectBest(order: Int32Array, sims: Float32Array, ids: Int32Array, count: number, kept: number): Int32Array {
  for (let c = 0; c < count; c++) order[c] = c;
  const better = (x: number, y: number): boolean => sims[x]! > sims[y]! || (sims[x] === sims[y] && ids[x]! < ids[y]!);
  let lo = 0;
  let hi = count - 1;
  while (kept < count && lo < hi) {
    const pivot = order[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (better(order[i]!, pivot)) i++;
      while (better(pivot, order[j]!)) j--;
      if (i <= j) {
        const tmp = order[i]!;
        order[i++] = order[j]!;
        order[j--] = tmp;
      }
    }
    if (kept - 1 <= j) hi = j;
    else if (kept - 1 >= i) lo = i;
    else break;
  }
  const best = order.subarray(0, kept);
  best.sort((x, y) => (better(x, y) ? -1 : better(y, x) ? 1 : 0));
  return best;
}

/**
 * Baseline residuals grouped by item and by user, copied into the kernel's memory. A function of
 * its own so that the JavaScript copies can be collected before the long pass starts.
 */
function coRatingWorkspace(set: TrainingSet, baseline: Baseline) {
  const itemCount = set.items.size;
  const residuals = new Float32Array(set.length);
  for (let k = 0; k < set.length; k++) {
    residuals[k] =
      set.values[k]! - baseline.mean - baseline.userBias[set.userIndex[k]!]! - baseline.itemBias[set.itemIndex[k]!]!;
  }
  const ws = new KernelWorkspace(
    {
      itemOffsets: ['i32', itemCount + 1],
      itemUsers: ['i32', set.length],
      itemResiduals: ['f32', set.length],
      userOffsets: ['i32', set.users.size + 1],
      userItems: ['i32', set.length],
      userResiduals: ['f32', set.length],
      support: ['i32', itemCount],
      crossSum: ['f64', itemCount],
      ownSquares: ['f64', itemCount],
      otherSquares: ['f64', itemCount],
      touched: ['i32', itemCount],
    },
    'cooccurrence',
  );
  const v = ws.views;
  const byItem = groupByRow(set.itemIndex, set.userIndex, residuals, itemCount);
  v.itemOffsets.set(byItem.offsets);
  v.itemUsers.set(byItem.columns);
  v.itemResiduals.set(byItem.columnValues);
  const byUser = groupByRow(set.userIndex, set.itemIndex, residuals, set.users.size);
  v.userOffsets.set(byUser.offsets);
  v.userItems.set(byUser.columns);
  v.userResiduals.set(byUser.columnValues);
  return ws;
}

/**
 * One pass over all co-rated item pairs (cost: sum over users of ratings^2, see neighborFitCost)
 * builds both neighbour tables: residual correlations for rating prediction and co-occurrence
 * for ranking.
 */
export function fitItemNeighbors(set: TrainingSet, params: NeighborParams = defaultNeighborParams): ItemNeighbors {
  const baseline = fitBaseline(set, params.baseline);
  const itemCount = set.items.size;
  const ws = coRatingWorkspace(set, baseline);
  const v = ws.views;
  const o = ws.offsets;
  const { support, crossSum, ownSquares, otherSquares, touched } = v;

  const pearsonItems = new Int32Array(itemCount);
  const pearsonSims = new Float32Array(itemCount);
  const cosineItems = new Int32Array(itemCount);
  const cosineSims = new Float32Array(itemCount);
  const order = new Int32Array(itemCount);
  const pearson = new NeighborTableBuilder(itemCount, itemCount * params.keep);
  const cosine = new NeighborTableBuilder(itemCount, itemCount * params.keep);

  for (let i = 0; i < itemCount; i++) {
    const touchedCount = ws.exports.accumulateRow(
      i, o.itemOffsets, o.itemUsers, o.itemResiduals, o.userOffsets, o.userItems, o.userResiduals,
      o.support, o.crossSum, o.ownSquares, o.otherSquares, o.touched,
    );
    let pearsonCount = 0;
    let cosineCount = 0;
    const countI = set.itemCounts[i]!;
    for (let t = 0; t < touchedCount; t++) {
      const j = touched[t]!;
      const n = support[j]!;
      if (j !== i) {
        cosineItems[cosineCount] = j;
        cosineSims[cosineCount++] = n / Math.sqrt(countI * set.itemCounts[j]!);
        const denominator = Math.sqrt(ownSquares[j]! * otherSquares[j]!);
        if (n >= params.minSupport && denominator > 0) {
          const similarity = ((crossSum[j]! / denominator) * (n - 1)) / (n - 1 + params.shrinkage);
          if (similarity > 0) {
            pearsonItems[pearsonCount] = j;
            pearsonSims[pearsonCount++] = similarity;
          }
        }
      }
      crossSum[j] = 0;
      ownSquares[j] = 0;
      otherSquares[j] = 0;
      support[j] = 0;
    }
    pearson.appendRow(pearsonItems, pearsonSims, pearsonCount, params.keep, order);
    cosine.appendRow(cosineItems, cosineSims, cosineCount, params.keep, order);
  }
  return { rating: { baseline, k: params.k, ...pearson.build() }, cooccurrence: cosine.build() };
}

/**
 * The baseline's user bias for a profile: the fitted one for a known user, otherwise the same
 * shrunk average the fit uses, computed from the visitor's own ratings.
 */
export function baselineUserBias(model: NeighborModel, profile: UserProfile): number {
  const { mean, userBias, itemBias } = model.baseline;
  if (profile.user >= 0) return userBias[profile.user]!;
  let sum = 0;
  for (let k = 0; k < profile.items.length; k++) sum += profile.ratings[k]! - mean - itemBias[profile.items[k]!]!;
  return sum / (defaultBaselineParams.regUser + profile.items.length);
}

/** Unclipped neighbour prediction of `item` (dense index, -1 unknown) for a profile. */
export function neighborScore(model: NeighborModel, profile: UserProfile, userBias: number, item: number): number {
  const { mean, itemBias } = model.baseline;
  let score = mean + userBias;
  if (item < 0) return score;
  score += itemBias[item]!;
  let weights = 0;
  let weighted = 0;
  let used = 0;
  for (let a = model.offsets[item]!, end = model.offsets[item + 1]!; a < end && used < model.k; a++) {
    const j = model.neighborItems[a]!;
    const at = indexOfSorted(profile.items, j);
    if (at < 0) continue;
    const similarity = model.similarities[a]!;
    weights += similarity;
    weighted += similarity * (profile.ratings[at]! - mean - userBias - itemBias[j]!);
    used++;
  }
  return weights > 0 ? score + weighted / weights : score;
}
