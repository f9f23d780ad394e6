/**
 * Row indices ordered by timestamp, ties kept in row order: a stable LSD radix sort on the
 * offset from the earliest timestamp. O(n), so 20 million rows take well
 * under a second where a comparison sort would take many.
 */
export function timeOrder(timestamps: Float64Array): Int32Array {
  const n = timestamps.length;
  let order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (n < 2) return order;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const t = timestamps[i]!;
    if (t < min) min = t;
    if (t > max) max = t;
  }
  if (!(max - min < 2 ** 32) || !Number.isFinite(min)) return comparisonOrder(timestamps, order);
  // Keys travel with their rows, so each pass reads sequentially instead of chasing indices.
  let keys = new Uint32Array(n);
  for (let i = 0; i < n; i++) keys[i] = Math.floor(timestamps[i]! - min);
  let nextKeys = new Uint32Array(n);
  let nextOrder = new Int32Array(n);
  // 11-bit digits: 2048 buckets keep the scatter's write targets in cache.
  for (const shift of [0, 11, 22]) {
    const counts = new Int32Array(RADIX + 1);
    for (let i = 0; i < n; i++) counts[((keys[i]! >>> shift) & MASK) + 1]!++;
    for (let b = 0; b < RADIX; b++) counts[b + 1]! += counts[b]!;
    for (let i = 0; i < n; i++) {
      const key = keys[i]!;
      const to = counts[(key >>> shift) & MASK]!++;
      nextKeys[to] = key;
      nextOrder[to] = order[i]!;
    }
    [order, nextOrder] = [nextOrder, order];
    [keys, nextKeys] = [nextKeys, keys];
  }
  return order;
}

const RADIX = 2048;
const MASK = RADIX - 1;

function comparisonOrder(timestamps: Float64Array, order: Int32Array): Int32Array {
  return order.sort((a, b) => timestamps[a]! - timestamps[b]! || a - b);
}

/**
 * The batch (1..batches) of the row at `position` in time order: batches of equal size, the
 * earliest ratings in batch 1, as if they had arrived in that many deliveries.
 */
export function batchAt(position: number, rows: number, batches: number): number {
  return Math.floor((position * batches) / rows) + 1;
}
