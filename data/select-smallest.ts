/**
 * Reorders `keys[0, n)` and `items[0, n)` together so that the first `k` hold the k smallest
 * keys (in no particular order): Hoare quickselect, O(n) on average, deterministic.
 */
export function selectSmallest(keys: Float64Array, items: Int32Array, n: number, k: number): void {
  if (k <= 0 || k >= n) return;
  const target = k - 1;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = medianOfThree(keys[lo]!, keys[(lo + hi) >>> 1]!, keys[hi]!);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (keys[i]! < pivot) i++;
      while (keys[j]! > pivot) j--;
      if (i <= j) {
        const key = keys[i]!;
        keys[i] = keys[j]!;
        keys[j] = key;
        const item = items[i]!;
        items[i] = items[j]!;
        items[j] = item;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return;
  }
}

function medianOfThree(a: number, b: number, c: number): number {
  if (a < b) return b < c ? b : Math.max(a, c);
  return a < c ? a : Math.max(b, c);
}
