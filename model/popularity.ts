/**
 * The cold-start ranking: how often a movie was rated times how well, as
 * count * (damped mean / 5)^2 with the mean damped towards the global mean by `minRatings`
 * pseudo-ratings; movies with fewer than `minRatings` ratings come after all others.
 * Measured on 80/20 splits (precision@10 for users the model knows nothing useful about):
 * ml-100k 0.134 and ml-latest-small 0.125, against 0.133 / 0.122 for "most rated" and
 * 0.084 / 0.102 for the damped mean alone, which favours little-seen favourites.
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
    const dampedMean = (itemSums[i]! + damping * globalMean) / (itemCounts[i]! + damping);
    score[i] = itemCounts[i]! * (dampedMean / 5) ** 2;
  }
  const eligible = (i: number): number => (itemCounts[i]! >= minRatings ? 1 : 0);
  return Int32Array.from({ length: itemCounts.length }, (_, i) => i).sort(
    (a, b) => eligible(b) - eligible(a) || score[b]! - score[a]! || a - b,
  );
}
