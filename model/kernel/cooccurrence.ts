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
