/**
 * What the model knows of one person when it scores items for them: a known user's dense index
 * (or -1 for a visitor) and the items they rated, sorted by item index, with the ratings.
 * Known users and visitors go through the same scoring code.
 */
export interface UserProfile {
  readonly user: number;
  readonly items: Int32Array;
  readonly ratings: Float32Array;
}

/** Position of `value` in an ascending array, or -1. */
export function indexOfSorted(sorted: Int32Array, value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = sorted[mid]!;
    if (at === value) return mid;
    if (at < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Builds a profile from unsorted (item, rating) pairs; a later rating of the same item wins. */
export function makeProfile(user: number, items: ArrayLike<number>, ratings: ArrayLike<number>): UserProfile {
  const latest = new Map<number, number>();
  for (let k = 0; k < items.length; k++) latest.set(items[k]!, ratings[k]!);
  const sortedItems = Int32Array.from(latest.keys()).sort();
  return { user, items: sortedItems, ratings: Float32Array.from(sortedItems, (item) => latest.get(item)!) };
}
