import { IdIndex } from './id-index.ts';
import { popularityRanking } from './popularity.ts';
import type { Ratings } from './ratings.ts';

/**
 * Ratings re-keyed to dense user and item indices, in two layouts: rating order (for SGD over a
 * shuffled order) and grouped by user, CSR style (for per-user work: implicit feedback, the
 * rated-items exclusion list, ranking evaluation).
 */
export interface TrainingSet {
  readonly users: IdIndex;
  readonly items: IdIndex;
  readonly length: number;
  readonly userIndex: Int32Array;
  readonly itemIndex: Int32Array;
  readonly values: Float32Array;
  readonly mean: number;
  /** Ratings of user u are at byUser positions [userOffsets[u], userOffsets[u + 1]). */
  readonly userOffsets: Int32Array;
  readonly byUserItems: Int32Array;
  readonly byUserValues: Float32Array;
  readonly itemCounts: Int32Array;
}

/**
 * The part of a training set that the neighbour and baseline fits read: plain data, so it can
 * cross to a worker thread.
 */
export interface RatingRows {
  readonly users: { readonly size: number };
  readonly items: { readonly size: number };
  readonly length: number;
  readonly userIndex: Int32Array;
  readonly itemIndex: Int32Array;
  readonly values: Float32Array;
  readonly mean: number;
  readonly itemCounts: Int32Array;
}

/**
 * The rating-order arrays (what the neighbour thread reads) are in shared memory, so that posting them
 * to the thread shares them instead of copying them (at ml-20m size a copy took 0.1-0.25 s of this
 * thread and 0.25-0.45 s before the worker had them, and 190 MB).
 */
export function buildTrainingSet(ratings: Ratings): TrainingSet {
  const n = ratings.length;
  if (n === 0) throw new Error('cannot train on an empty ratings table');
  const users = new IdIndex();
  const items = new IdIndex();
  const userIndex = new Int32Array(new SharedArrayBuffer(4 * n));
  const itemIndex = new Int32Array(new SharedArrayBuffer(4 * n));
  let sum = 0;
  for (let k = 0; k < n; k++) {
    userIndex[k] = users.add(ratings.userIds[k]!);
    itemIndex[k] = items.add(ratings.movieIds[k]!);
    sum += ratings.values[k]!;
  }
  const values = new Float32Array(new SharedArrayBuffer(4 * n));
  values.set(ratings.values);
  const { offsets, columns, columnValues } = groupByRow(userIndex, itemIndex, values, users.size);
  const itemCounts = new Int32Array(new SharedArrayBuffer(4 * items.size));
  for (let k = 0; k < n; k++) itemCounts[itemIndex[k]!]!++;
  return {
    users,
    items,
    length: n,
    userIndex,
    itemIndex,
    values,
    mean: sum / n,
    userOffsets: offsets,
    byUserItems: columns,
    byUserValues: columnValues,
    itemCounts,
  };
}

/** Counting sort of (row, column, value) triples by row; columns keep their input order. */
export function groupByRow(
  rows: Int32Array,
  columns: Int32Array,
  values: Float32Array,
  rowCount: number,
): { offsets: Int32Array; columns: Int32Array; columnValues: Float32Array } {
  const offsets = new Int32Array(rowCount + 1);
  for (let k = 0; k < rows.length; k++) offsets[rows[k]! + 1]!++;
  for (let r = 0; r < rowCount; r++) offsets[r + 1]! += offsets[r]!;
  const cursor = offsets.slice(0, rowCount);
  const grouped = new Int32Array(rows.length);
  const groupedValues = new Float32Array(rows.length);
  for (let k = 0; k < rows.length; k++) {
    const at = cursor[rows[k]!]!++;
    grouped[at] = columns[k]!;
    groupedValues[at] = values[k]!;
  }
  return { offsets, columns: grouped, columnValues: groupedValues };
}

/** The rows `rows` of a training set, keeping its user and item indices. */
export function subsetTrainingSet(set: TrainingSet, rows: Int32Array): TrainingSet {
  const subset = subsetRows(set, rows);
  const { offsets, columns, columnValues } = groupByRow(
    subset.userIndex,
    subset.itemIndex,
    subset.values,
    set.users.size,
  );
  return {
    ...subset,
    users: set.users,
    items: set.items,
    userOffsets: offsets,
    byUserItems: columns,
    byUserValues: columnValues,
  };
}

/** subsetTrainingSet without the by-user copy (what the neighbour thread fits on). */
export function subsetRows(set: RatingRows, rows: Int32Array): RatingRows {
  const n = rows.length;
  const userIndex = new Int32Array(n);
  const itemIndex = new Int32Array(n);
  const values = new Float32Array(n);
  const itemCounts = new Int32Array(set.items.size);
  let sum = 0;
  for (let k = 0; k < n; k++) {
    const row = rows[k]!;
    userIndex[k] = set.userIndex[row]!;
    itemIndex[k] = set.itemIndex[row]!;
    values[k] = set.values[row]!;
    itemCounts[itemIndex[k]!]!++;
    sum += values[k]!;
  }
  return {
    users: { size: set.users.size },
    items: { size: set.items.size },
    length: n,
    userIndex,
    itemIndex,
    values,
    mean: n ? sum / n : set.mean,
    itemCounts,
  };
}

/** What a model keeps of its ratings: each user's rated items (exclusions, profiles) and the cold-start ranking. */
export interface RatingTables {
  rated: { offsets: Int32Array; items: Int32Array; ratings: Float32Array };
  popularity: Int32Array;
}

export function ratingTables(set: RatingRows, popularityMinRatings: number): RatingTables {
  const itemSums = new Float64Array(set.items.size);
  for (let k = 0; k < set.length; k++) itemSums[set.itemIndex[k]!]! += set.values[k]!;
  return {
    rated: sortedRatedItems(set),
    popularity: popularityRanking(set.itemCounts, itemSums, set.mean, popularityMinRatings),
  };
}

/** Each user's rated items sorted by item index, with their ratings: two counting-sort passes, O(n). */
export function sortedRatedItems(set: RatingRows): { offsets: Int32Array; items: Int32Array; ratings: Float32Array } {
  const byItem = groupByRow(set.itemIndex, set.userIndex, set.values, set.items.size);
  const offsets = new Int32Array(set.users.size + 1);
  for (let k = 0; k < set.length; k++) offsets[set.userIndex[k]! + 1]!++;
  for (let u = 0; u < set.users.size; u++) offsets[u + 1]! += offsets[u]!;
  const cursor = offsets.slice(0, set.users.size);
  const items = new Int32Array(set.length);
  const ratings = new Float32Array(set.length);
  for (let item = 0; item < set.items.size; item++) {
    for (let k = byItem.offsets[item]!; k < byItem.offsets[item + 1]!; k++) {
      const at = cursor[byItem.columns[k]!]!++;
      items[at] = item;
      ratings[at] = byItem.columnValues[k]!;
    }
  }
  return { offsets, items, ratings };
}
