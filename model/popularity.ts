/**
 * The cold-start ranking: items with at least `minRatings` ratings ordered by their damped mean
 * (sum + m * globalMean) / (count + m), so a film with three 5-star ratings does not outrank one
 * with three hundred 4.5s; then the rest by damped mean.
 */
export function popularityRanking(
  itemCounts: Int32Array,
  itemSums: Float64Array,
  globalMean: number,
  minRatings: number,
): Int32Array {
  const damping = Math.max(1, minRatings);
  const score = new Float64Array(itemCounts.length);
  for (let i = 0; i < itemCounts.length; i++) {
    score[i] = (itemSums[i]! + damping * globalMean) / (itemCounts[i]! + damping);
  }
  const eligible = (i: number): number => (itemCounts[i]! >= minRatings ? 1 : 0);
  return Int32Array.from({ length: itemCounts.length }, (_, i) => i).sort(
    (a, b) => eligible(b) - eligible(a) || score[b]! - score[a]! || itemCounts[b]! - itemCounts[a]! || a - b,
  );
}
