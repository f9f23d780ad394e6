// The item-neighbour fit, compiled to WebAssembly. For one item i, accumulateRow gathers over every
// user u who rated i and every item j that u rated the co-rating statistics of residuals e:
// count, sum e_ui e_uj, sum e_ui^2, sum e_uj^2. This loop runs sum over users of (ratings per
// user)^2 times, which is most of the fit's cost. The four statistics of an item sit side by side
// (STATS_BYTES apart per item), so that each co-rated pair touches one cache line, not four.

const STATS_BYTES: usize = 32;
const CROSS: usize = 8;
const OWN: usize = 16;
const OTHER: usize = 24;

/** Returns how many distinct items j were touched; their indices are in `touched`. */
export function accumulateRow(
  item: i32,
  itemOffsets: usize,
  itemUsers: usize,
  itemResiduals: usize,
  userOffsets: usize,
  userItems: usize,
  userResiduals: usize,
  stats: usize,
  touched: usize,
): i32 {
  let touchedCount: i32 = 0;
  const start = <usize>load<i32>(itemOffsets + ((<usize>item) << 2));
  const end = <usize>load<i32>(itemOffsets + ((<usize>item + 1) << 2));
  for (let a = start; a < end; a++) {
    const u = <usize>load<i32>(itemUsers + (a << 2));
    const ei = <f64>load<f32>(itemResiduals + (a << 2));
    const eiSquared = ei * ei;
    const from = <usize>load<i32>(userOffsets + (u << 2));
    const to = <usize>load<i32>(userOffsets + ((u + 1) << 2));
    for (let b = from; b < to; b++) {
      const j = <usize>load<i32>(userItems + (b << 2));
      const ej = <f64>load<f32>(userResiduals + (b << 2));
      const at = stats + j * STATS_BYTES;
      const support = load<f64>(at);
      if (support == 0) {
        store<i32>(touched + ((<usize>touchedCount) << 2), <i32>j);
        touchedCount++;
      }
      store<f64>(at, support + 1);
      store<f64>(at + CROSS, load<f64>(at + CROSS) + ei * ej);
      store<f64>(at + OWN, load<f64>(at + OWN) + eiSquared);
      store<f64>(at + OTHER, load<f64>(at + OTHER) + ej * ej);
    }
  }
  return touchedCount;
}

/**
 * Turns the statistics accumulateRow left for item i into the two rows of similarities, and zeroes
 * them for the next item: shrunk Pearson correlation of residuals (positive ones only, at least
 * `minSupport` common raters) and co-occurrence cosine n_ij / sqrt(n_i n_j). Returns the number of
 * Pearson neighbours; the cosine row has every touched item but i.
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
  const countI = <f64>load<i32>(itemCounts + ((<usize>item) << 2));
  let pearsonCount: usize = 0;
  let cosineCount: usize = 0;
  for (let t: usize = 0; t < <usize>touchedCount; t++) {
    const j = <usize>load<i32>(touched + (t << 2));
    const at = stats + j * STATS_BYTES;
    const n = load<f64>(at);
    if (<i32>j != item) {
      store<i32>(cosineItems + (cosineCount << 2), <i32>j);
      store<f32>(cosineSims + (cosineCount << 2), <f32>(n / Math.sqrt(countI * <f64>load<i32>(itemCounts + (j << 2)))));
      cosineCount++;
      const denominator = Math.sqrt(load<f64>(at + OWN) * load<f64>(at + OTHER));
      if (n >= <f64>minSupport && denominator > 0) {
        const similarity = ((load<f64>(at + CROSS) / denominator) * (n - 1)) / (n - 1 + shrinkage);
        if (similarity > 0) {
          store<i32>(pearsonItems + (pearsonCount << 2), <i32>j);
          store<f32>(pearsonSims + (pearsonCount << 2), <f32>similarity);
          pearsonCount++;
        }
      }
    }
    store<f64>(at, 0);
    store<f64>(at + CROSS, 0);
    store<f64>(at + OWN, 0);
    store<f64>(at + OTHER, 0);
  }
  return <i32>pearsonCount;
}
