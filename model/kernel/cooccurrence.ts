// The inner loop of the item-neighbour fit, compiled to WebAssembly: for one item i, accumulate
// over every user u who rated i and every item j that u rated the co-rating statistics
// (count, sum e_ui e_uj, sum e_ui^2, sum e_uj^2) of residuals e. This loop runs
// sum over users of (ratings per user)^2 times, which is most of the fit's cost.

/** Returns how many distinct items j were touched; their indices are in `touched`. */
export function accumulateRow(
  item: i32,
  itemOffsets: usize, itemUsers: usize, itemResiduals: usize,
  userOffsets: usize, userItems: usize, userResiduals: usize,
  support: usize, crossSum: usize, ownSquares: usize, otherSquares: usize, touched: usize,
): i32 {
  let touchedCount: i32 = 0;
  const start = <usize>load<i32>(itemOffsets + (<usize>item << 2));
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
      const s = load<i32>(support + (j << 2));
      if (s == 0) {
        store<i32>(touched + (<usize>touchedCount << 2), <i32>j);
        touchedCount++;
      }
      store<i32>(support + (j << 2), s + 1);
      const at = j << 3;
      store<f64>(crossSum + at, load<f64>(crossSum + at) + ei * ej);
      store<f64>(ownSquares + at, load<f64>(ownSquares + at) + eiSquared);
      store<f64>(otherSquares + at, load<f64>(otherSquares + at) + ej * ej);
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
  item: i32, touchedCount: i32, itemCounts: usize, minSupport: i32, shrinkage: f64,
  support: usize, crossSum: usize, ownSquares: usize, otherSquares: usize, touched: usize,
  pearsonItems: usize, pearsonSims: usize, cosineItems: usize, cosineSims: usize,
): i32 {
  const countI = <f64>load<i32>(itemCounts + (<usize>item << 2));
  let pearsonCount: usize = 0;
  let cosineCount: usize = 0;
  for (let t: usize = 0; t < <usize>touchedCount; t++) {
    const j = <usize>load<i32>(touched + (t << 2));
    const n = load<i32>(support + (j << 2));
    const at = j << 3;
    if (<i32>j != item) {
      store<i32>(cosineItems + (cosineCount << 2), <i32>j);
      store<f32>(cosineSims + (cosineCount << 2), <f32>(<f64>n / Math.sqrt(countI * <f64>load<i32>(itemCounts + (j << 2)))));
      cosineCount++;
      const denominator = Math.sqrt(load<f64>(ownSquares + at) * load<f64>(otherSquares + at));
      if (n >= minSupport && denominator > 0) {
        const similarity = ((load<f64>(crossSum + at) / denominator) * <f64>(n - 1)) / (<f64>(n - 1) + shrinkage);
        if (similarity > 0) {
          store<i32>(pearsonItems + (pearsonCount << 2), <i32>j);
          store<f32>(pearsonSims + (pearsonCount << 2), <f32>similarity);
          pearsonCount++;
        }
      }
    }
    store<f64>(crossSum + at, 0);
    store<f64>(ownSquares + at, 0);
    store<f64>(otherSquares + at, 0);
    store<i32>(support + (j << 2), 0);
  }
  return <i32>pearsonCount;
}
