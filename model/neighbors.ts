import { fitBaseline, type Baseline, type BaselineParams, defaultBaselineParams } from './baseline.ts';
import { KernelWorkspace } from './kernel/workspace.ts';
import { indexOfSorted, type UserProfile } from './profile.ts';
import { groupByRow, type RatingRows, type TrainingSet } from './training-set.ts';

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

/** The kernel's sort keys hold an item index in 22 bits (kernel/cooccurrence.ts keepBest). */
const MAX_ITEMS = 2 ** 22;

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

  /** Appends the row's list, best first (the kernel's keepBest left it at the front of the arrays). */
  appendRow(items: Int32Array, sims: Float32Array, count: number): void {
    const start = this.offsets[this.#row]!;
    this.#ensure(start + count);
    this.#items.set(items.subarray(0, count), start);
    this.#sims.set(sims.subarray(0, count), start);
    this.offsets[++this.#row] = start + count;
  }

  build(): { offsets: Int32Array; neighborItems: Int32Array; similarities: Float32Array } {
    const total = this.offsets[this.#row]!;
    return {
      offsets: this.offsets,
      neighborItems: this.#items.slice(0, total),
      similarities: this.#sims.slice(0, total),
    };
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

/**
 * Baseline residuals grouped by item and by user, copied into the kernel's memory. A function of
 * its own so that the JavaScript copies can be collected before the long pass starts.
 */
function coRatingWorkspace(set: RatingRows, baseline: Baseline) {
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
      // (item, residual) per rating, by user: i32 and f32 interleaved
      userPairs: ['i32', 2 * set.length],
      stats: ['f64', itemCount * 4],
      touched: ['i32', itemCount],
      itemCounts: ['i32', itemCount],
      pearsonItems: ['i32', itemCount],
      pearsonSims: ['f32', itemCount],
      cosineItems: ['i32', itemCount],
      cosineSims: ['f32', itemCount],
      // u64 sort keys of keepBest
      keys: ['f64', itemCount],
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
  const pairResiduals = new Float32Array(v.userPairs.buffer, v.userPairs.byteOffset, v.userPairs.length);
  for (let k = 0; k < set.length; k++) {
    v.userPairs[2 * k] = byUser.columns[k]!;
    pairResiduals[2 * k + 1] = byUser.columnValues[k]!;
  }
  v.itemCounts.set(set.itemCounts);
  return ws;
}

/**
 * One pass over all co-rated item pairs (cost: sum over users of ratings^2, see neighborFitCost)
 * builds both neighbour tables: residual correlations for rating prediction and co-occurrence
 * for ranking.
 */
export function fitItemNeighbors(set: RatingRows, params: NeighborParams = defaultNeighborParams): ItemNeighbors {
  const baseline = fitBaseline(set, params.baseline);
  const itemCount = set.items.size;
  if (itemCount > MAX_ITEMS) throw new RangeError(`at most ${MAX_ITEMS} items, got ${itemCount}`);
  const ws = coRatingWorkspace(set, baseline);
  const v = ws.views;
  const o = ws.offsets;
  const pearson = new NeighborTableBuilder(itemCount, itemCount * params.keep);
  const cosine = new NeighborTableBuilder(itemCount, itemCount * params.keep);

  for (let i = 0; i < itemCount; i++) {
    const touchedCount = ws.exports.accumulateRow(
      i,
      o.itemOffsets,
      o.itemUsers,
      o.itemResiduals,
      o.userOffsets,
      o.userPairs,
      o.stats,
      o.touched,
    );
    const pearsonCount = ws.exports.similarityRow(
      i,
      touchedCount,
      o.itemCounts,
      params.minSupport,
      params.shrinkage,
      o.stats,
      o.touched,
      o.pearsonItems,
      o.pearsonSims,
      o.cosineItems,
      o.cosineSims,
    );
    // every item i that has ratings co-occurs with itself; the cosine row leaves i out
    const cosineCount = touchedCount > 0 ? touchedCount - 1 : 0;
    const pearsonKept = ws.exports.keepBest(o.pearsonItems, o.pearsonSims, pearsonCount, params.keep, o.keys);
    const cosineKept = ws.exports.keepBest(o.cosineItems, o.cosineSims, cosineCount, params.keep, o.keys);
    pearson.appendRow(v.pearsonItems, v.pearsonSims, pearsonKept);
    cosine.appendRow(v.cosineItems, v.cosineSims, cosineKept);
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
  if (item < 0) return model.baseline.mean + userBias;
  // Each neighbour is looked up among the rated items (about 190 neighbours scanned for 11 found,
  // with 144 ratings). A binary search per neighbour mispredicts a branch at nearly every step; a
  // table over the catalogue holding each rated item's position (+1) answers with one read.
  // Filling and clearing it costs two passes over the ratings: for a profile more than about 8
  // times longer than the neighbour list, the searches alone are cheaper (measured).
  const listLength = model.offsets[item + 1]! - model.offsets[item]!;
  const rated = profile.items;
  const positions = rated.length <= MARKING_RATIO * listLength ? markPositions(rated, model.offsets.length - 1) : null;
  const score = scoreFromList(model, profile, userBias, item, positions);
  if (positions) clearPositions(positions, rated);
  return score;
}

/**
 * neighborScore of each of `items` for one profile, into `scores`: the position table is filled
 * once for all of them (the training's validation scores a person's held-out rows together).
 */
export function neighborScores(
  model: NeighborModel,
  profile: UserProfile,
  userBias: number,
  items: ArrayLike<number>,
  scores: Float64Array,
): void {
  const positions = markPositions(profile.items, model.offsets.length - 1);
  for (let x = 0; x < items.length; x++) {
    const item = items[x]!;
    scores[x] = item < 0 ? model.baseline.mean + userBias : scoreFromList(model, profile, userBias, item, positions);
  }
  clearPositions(positions, profile.items);
}

/** neighborScore of a known item, looking rated items up in `positions` (from markPositions) or by search. */
function scoreFromList(
  model: NeighborModel,
  profile: UserProfile,
  userBias: number,
  item: number,
  positions: Int32Array | null,
): number {
  const { mean, itemBias } = model.baseline;
  let score = mean + userBias;
  score += itemBias[item]!;
  const start = model.offsets[item]!;
  const end = model.offsets[item + 1]!;
  const rated = profile.items;
  const { neighborItems, similarities, k } = model;
  const ratings = profile.ratings;
  let weights = 0;
  let weighted = 0;
  let used = 0;
  for (let a = start; a < end && used < k; a++) {
    const j = neighborItems[a]!;
    const at = positions ? positions[j]! - 1 : indexOfSorted(rated, j);
    if (at < 0) continue;
    weights += similarities[a]!;
    weighted += similarities[a]! * (ratings[at]! - mean - userBias - itemBias[j]!);
    used++;
  }
  return weights > 0 ? score + weighted / weights : score;
}

const MARKING_RATIO = 8;

/** Per catalogue item, its position + 1 in the profile being scored, 0 when unrated; all 0 between calls. */
let ratedPositions = new Int32Array(0);

function markPositions(rated: Int32Array, catalogueSize: number): Int32Array {
  if (ratedPositions.length < catalogueSize) ratedPositions = new Int32Array(catalogueSize);
  const positions = ratedPositions;
  for (let k = 0; k < rated.length; k++) positions[rated[k]!] = k + 1;
  return positions;
}

function clearPositions(positions: Int32Array, rated: Int32Array): void {
  for (let k = 0; k < rated.length; k++) positions[rated[k]!] = 0;
}
