/**
 * The n best-scoring candidates, best first, by a bounded min-heap: O(m log n) for m candidates
 * instead of sorting all of them. Ties go to the lower index so results are deterministic.
 */
export function topN(scores: Float32Array | Float64Array, n: number, skip?: (index: number) => boolean): Int32Array {
  const heapItems = new Int32Array(n);
  const heapScores = new Float64Array(n);
  let size = 0;
  const worse = (a: number, b: number): boolean =>
    heapScores[a]! < heapScores[b]! || (heapScores[a] === heapScores[b] && heapItems[a]! > heapItems[b]!);
  const siftDown = (start: number): void => {
    let at = start;
    for (;;) {
      const left = 2 * at + 1;
      const right = left + 1;
      let smallest = at;
      if (left < size && worse(left, smallest)) smallest = left;
      if (right < size && worse(right, smallest)) smallest = right;
      if (smallest === at) return;
      swap(at, smallest);
      at = smallest;
    }
  };
  const swap = (a: number, b: number): void => {
    const item = heapItems[a]!;
    heapItems[a] = heapItems[b]!;
    heapItems[b] = item;
    const score = heapScores[a]!;
    heapScores[a] = heapScores[b]!;
    heapScores[b] = score;
  };
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i]!;
    if (Number.isNaN(score) || skip?.(i)) continue;
    if (size < n) {
      heapItems[size] = i;
      heapScores[size] = score;
      let at = size++;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if (!worse(at, parent)) break;
        swap(at, parent);
        at = parent;
      }
    } else if (n > 0 && (score > heapScores[0]! || (score === heapScores[0] && i < heapItems[0]!))) {
      heapItems[0] = i;
      heapScores[0] = score;
      siftDown(0);
    }
  }
  const order = Array.from({ length: size }, (_, k) => k).sort(
    (a, b) => heapScores[b]! - heapScores[a]! || heapItems[a]! - heapItems[b]!,
  );
  return Int32Array.from(order, (k) => heapItems[k]!);
}
