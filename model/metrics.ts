/** Accuracy and top-n ranking metrics, as the evaluate command and the trainer report them. */

export interface ErrorMetrics {
  rmse: number;
  mae: number;
  count: number;
}

export function errorMetrics(actual: ArrayLike<number>, predicted: ArrayLike<number>): ErrorMetrics {
  if (actual.length !== predicted.length) throw new RangeError('actual and predicted differ in length');
  let squared = 0;
  let absolute = 0;
  for (let k = 0; k < actual.length; k++) {
    const err = actual[k]! - predicted[k]!;
    squared += err * err;
    absolute += Math.abs(err);
  }
  const n = actual.length;
  return { rmse: n ? Math.sqrt(squared / n) : NaN, mae: n ? absolute / n : NaN, count: n };
}

export interface RankingMetrics {
  precisionAt10: number;
  recallAt10: number;
  ndcgAt10: number;
  /** Share of the catalogue that appears in at least one user's list. */
  coverage: number;
  /** Users with at least one relevant held-out item, over whom the figures are averaged. */
  users: number;
}

/**
 * Accumulates per-user top-n lists against each user's relevant held-out items:
 * precision = hits / n, recall = hits / relevant, NDCG with binary gains.
 */
export class RankingAccumulator {
  readonly #n: number;
  readonly #catalogueSize: number;
  readonly #recommended = new Set<number>();
  #users = 0;
  #precision = 0;
  #recall = 0;
  #ndcg = 0;

  constructor(n: number, catalogueSize: number) {
    this.#n = n;
    this.#catalogueSize = catalogueSize;
  }

  add(recommended: ArrayLike<number>, relevant: ReadonlySet<number>): void {
    for (let k = 0; k < recommended.length; k++) this.#recommended.add(recommended[k]!);
    if (relevant.size === 0) return;
    let hits = 0;
    let dcg = 0;
    const shown = Math.min(this.#n, recommended.length);
    for (let rank = 0; rank < shown; rank++) {
      if (relevant.has(recommended[rank]!)) {
        hits++;
        dcg += 1 / Math.log2(rank + 2);
      }
    }
    let ideal = 0;
    for (let rank = 0; rank < Math.min(this.#n, relevant.size); rank++) ideal += 1 / Math.log2(rank + 2);
    this.#users++;
    this.#precision += hits / this.#n;
    this.#recall += hits / relevant.size;
    this.#ndcg += dcg / ideal;
  }

  result(): RankingMetrics {
    const users = this.#users;
    return {
      precisionAt10: users ? this.#precision / users : NaN,
      recallAt10: users ? this.#recall / users : NaN,
      ndcgAt10: users ? this.#ndcg / users : NaN,
      coverage: this.#catalogueSize ? this.#recommended.size / this.#catalogueSize : NaN,
      users,
    };
  }
}
