// The item-neighbour fit, compiled to WebAssembly. For one item i, accumulateRow gathers over every
// user u who rated i and every item j that u rated the co-rating statistics of residuals e:
// count, sum e_ui e_uj, sum e_ui^2, sum e_uj^2. This loop runs sum over users of (ratings per
// user)^2 times, which is most of the fit's cost. The four statistics of an item sit side by side
// (STATS_BYTES apart per item), so that each co-rated pair touches one cache line, not four; each
// user's items and residuals are interleaved (item, residual) so that a user's visit is one stream.
// Compiled with SIMD: every f64x2 lane does the scalar arithmetic, so the similarities are the
// same bits as a scalar fit's.

const STATS_BYTES: usize = 32;
// (count, own) and (cross, other) are each one f64x2 lane pair: a co-rated pair is two vector adds
const OWN: usize = 8;
const CROSS: usize = 16;
const OTHER: usize = 24;

/** Returns how many distinct items j were touched; their indices are in `touched`. */
export function accumulateRow(
  item: i32,
  itemOffsets: usize,
  itemUsers: usize,
  itemResiduals: usize,
  userOffsets: usize,
  userPairs: usize,
  stats: usize,
  touched: usize,
): i32 {
  let touchedCount: i32 = 0;
  const start = <usize>load<i32>(itemOffsets + ((<usize>item) << 2));
  const end = <usize>load<i32>(itemOffsets + ((<usize>item + 1) << 2));
  for (let a = start; a < end; a++) {
    const u = <usize>load<i32>(itemUsers + (a << 2));
    const ei = <f64>load<f32>(itemResiduals + (a << 2));
    // every pair adds (1, ei^2) to (count, own) and (ei ej, ej ej) to (cross, other)
    const countOwn = f64x2(1, ei * ei);
    const eiLane = f64x2.splat(ei);
    const from = <usize>load<i32>(userOffsets + (u << 2));
    const to = <usize>load<i32>(userOffsets + ((u + 1) << 2));
    for (let b = from; b < to; b++) {
      const j = <usize>load<i32>(userPairs + (b << 3));
      const ej = <f64>load<f32>(userPairs + (b << 3), 4);
      const at = stats + j * STATS_BYTES;
      const first = v128.load(at);
      if (f64x2.extract_lane(first, 0) == 0) {
        store<i32>(touched + ((<usize>touchedCount) << 2), <i32>j);
        touchedCount++;
      }
      v128.store(at, f64x2.add(first, countOwn));
      const products = f64x2.mul(f64x2.replace_lane(eiLane, 1, ej), f64x2.splat(ej));
      v128.store(at + CROSS, f64x2.add(v128.load(at + CROSS), products));
    }
  }
  return touchedCount;
}

/**
 * Turns the statistics accumulateRow left for item i into the two rows of similarities, and zeroes
 * them for the next item: shrunk Pearson correlation of residuals (positive ones only, at least
 * `minSupport` common raters) and co-occurrence cosine n_ij / sqrt(n_i n_j). Returns the number of
 * Pearson neighbours; the cosine row has every touched item but i. Two touched items at a time in
 * f64x2 lanes (the square roots and divisions are most of the cost), each lane the scalar
 * arithmetic, so the similarities are the same bits; the rows are written without branches.
 */
export function similarityRow(
  item: i32,
  touchedCount: i32,
  itemCounts: usize,
  minSupport: i32,
  shrinkage: f64,
  stats: usize,
  touched: usize,
  pearsonItems: usize,
  pearsonSims: usize,
  cosineItems: usize,
  cosineSims: usize,
): i32 {
  const countI = f64x2.splat(<f64>load<i32>(itemCounts + ((<usize>item) << 2)));
  const one = f64x2.splat(1);
  const support = f64x2.splat(<f64>minSupport);
  const shrink = f64x2.splat(shrinkage);
  const zero = f64x2.splat(0);
  let pearsonCount: usize = 0;
  let cosineCount: usize = 0;
  for (let t: usize = 0; t < <usize>touchedCount; t += 2) {
    const j0 = <usize>load<i32>(touched + (t << 2));
    // an odd count's last item goes in both lanes; only the first is written
    const pair = t + 1 < <usize>touchedCount;
    const j1 = pair ? <usize>load<i32>(touched + ((t + 1) << 2)) : j0;
    const at0 = stats + j0 * STATS_BYTES;
    const at1 = stats + j1 * STATS_BYTES;
    const countOwn0 = v128.load(at0);
    const countOwn1 = v128.load(at1);
    const crossOther0 = v128.load(at0 + CROSS);
    const crossOther1 = v128.load(at1 + CROSS);
    const n = f64x2.shuffle(countOwn0, countOwn1, 0, 2);
    const own = f64x2.shuffle(countOwn0, countOwn1, 1, 3);
    const cross = f64x2.shuffle(crossOther0, crossOther1, 0, 2);
    const other = f64x2.shuffle(crossOther0, crossOther1, 1, 3);
    const countJ = f64x2.replace_lane(
      f64x2.splat(<f64>load<i32>(itemCounts + (j0 << 2))),
      1,
      <f64>load<i32>(itemCounts + (j1 << 2)),
    );
    const cosine = f32x4.demote_f64x2_zero(f64x2.div(n, f64x2.sqrt(f64x2.mul(countI, countJ))));
    const denominator = f64x2.sqrt(f64x2.mul(own, other));
    const less = f64x2.sub(n, one);
    const similarity = f64x2.div(f64x2.mul(f64x2.div(cross, denominator), less), f64x2.add(less, shrink));
    const kept = v128.and(
      v128.and(f64x2.ge(n, support), f64x2.gt(denominator, zero)),
      f64x2.gt(similarity, zero),
    );
    const pearson = f32x4.demote_f64x2_zero(similarity);
    v128.store(at0, zero);
    v128.store(at0 + CROSS, zero);
    v128.store(at1, zero);
    v128.store(at1 + CROSS, zero);

    const other0 = <usize>(<i32>j0 != item);
    store<i32>(cosineItems + (cosineCount << 2), <i32>j0);
    store<f32>(cosineSims + (cosineCount << 2), f32x4.extract_lane(cosine, 0));
    cosineCount += other0;
    const kept0 = other0 & <usize>(i64x2.extract_lane(kept, 0) != 0);
    store<i32>(pearsonItems + (pearsonCount << 2), <i32>j0);
    store<f32>(pearsonSims + (pearsonCount << 2), f32x4.extract_lane(pearson, 0));
    pearsonCount += kept0;

    const other1 = <usize>pair & <usize>(<i32>j1 != item);
    store<i32>(cosineItems + (cosineCount << 2), <i32>j1);
    store<f32>(cosineSims + (cosineCount << 2), f32x4.extract_lane(cosine, 1));
    cosineCount += other1;
    const kept1 = other1 & <usize>(i64x2.extract_lane(kept, 1) != 0);
    store<i32>(pearsonItems + (pearsonCount << 2), <i32>j1);
    store<f32>(pearsonSims + (pearsonCount << 2), f32x4.extract_lane(pearson, 1));
    pearsonCount += kept1;
  }
  return <i32>pearsonCount;
}

/**
 * A neighbour's sort key: the order (similarity descending, item ascending) as one integer. A
 * non-negative float32's bit pattern orders like its value; it goes above 22 bits of reversed item.
 */
const ITEM_BITS: u64 = 22;
const ITEM_MASK: u64 = (1 << ITEM_BITS) - 1;

/**
 * Leaves the best `keep` of the row's `count` candidates (items, non-negative similarities) at its
 * front, best first, ties by item; returns how many that is. `keys` holds `count` u64.
 */
export function keepBest(items: usize, sims: usize, count: i32, keep: i32, keys: usize): i32 {
  for (let c: usize = 0; c < <usize>count; c++) {
    const reversed = ITEM_MASK - <u64>load<i32>(items + (c << 2));
    store<u64>(keys + (c << 3), ((<u64>load<u32>(sims + (c << 2))) << ITEM_BITS) | reversed);
  }
  const kept = min(keep, count);
  sortFront(keys, 0, count - 1, kept);
  for (let c: usize = 0; c < <usize>kept; c++) {
    const key = load<u64>(keys + (c << 3));
    store<i32>(items + (c << 2), <i32>(ITEM_MASK - (key & ITEM_MASK)));
    store<u32>(sims + (c << 2), <u32>(key >> ITEM_BITS));
  }
  return kept;
}

/** Sorts keys[lo, hi] descending as far as positions below `kept` go (a partial quicksort; keys distinct). */
function sortFront(keys: usize, lo: i32, hi: i32, kept: i32): void {
  while (hi - lo >= 16) {
    const pivot = load<u64>(keys + ((<usize>((lo + hi) >> 1)) << 3));
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (load<u64>(keys + ((<usize>i) << 3)) > pivot) i++;
      while (load<u64>(keys + ((<usize>j) << 3)) < pivot) j--;
      if (i <= j) {
        const a = keys + ((<usize>i) << 3);
        const b = keys + ((<usize>j) << 3);
        const swap = load<u64>(a);
        store<u64>(a, load<u64>(b));
        store<u64>(b, swap);
        i++;
        j--;
      }
    }
    // [lo, j] >= pivot >= [i, hi]; the right part matters only if it reaches below kept
    if (i < kept) sortFront(keys, i, hi, kept);
    hi = j;
  }
  for (let i = lo + 1; i <= hi; i++) {
    const key = load<u64>(keys + ((<usize>i) << 3));
    let j = i - 1;
    while (j >= lo && load<u64>(keys + ((<usize>j) << 3)) < key) {
      store<u64>(keys + ((<usize>(j + 1)) << 3), load<u64>(keys + ((<usize>j) << 3)));
      j--;
    }
    store<u64>(keys + ((<usize>(j + 1)) << 3), key);
  }
}
