import type { Random } from '../model/random.ts';

/**
 * Walker's alias method (Vose's construction): draws index i with probability
 * weights[i] / sum(weights) in constant time, whatever the number of weights.
 */
export class AliasTable {
  readonly size: number;
  readonly #threshold: Float64Array;
  readonly #alias: Int32Array;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    if (n === 0) throw new Error('alias table needs at least one weight');
    let total = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[i]!;
      if (!(w >= 0) || !Number.isFinite(w)) throw new Error(`weight ${i} is ${w}; weights must be finite and >= 0`);
      total += w;
    }
    if (total <= 0) throw new Error('weights sum to zero');
    this.size = n;
    this.#threshold = new Float64Array(n);
    this.#alias = new Int32Array(n);
    const scaled = new Float64Array(n);
    const small = new Int32Array(n);
    const large = new Int32Array(n);
    let smallCount = 0;
    let largeCount = 0;
    for (let i = 0; i < n; i++) {
      scaled[i] = (weights[i]! * n) / total;
      if (scaled[i]! < 1) small[smallCount++] = i;
      else large[largeCount++] = i;
    }
    while (smallCount > 0 && largeCount > 0) {
      const s = small[--smallCount]!;
      const l = large[largeCount - 1]!;
      this.#threshold[s] = scaled[s]!;
      this.#alias[s] = l;
      scaled[l] = scaled[l]! + scaled[s]! - 1;
      if (scaled[l]! < 1) {
        largeCount--;
        small[smallCount++] = l;
      }
    }
    // What is left is 1 up to rounding: those columns never use their alias.
    while (largeCount > 0) this.#threshold[large[--largeCount]!] = 1;
    while (smallCount > 0) this.#threshold[small[--smallCount]!] = 1;
  }

  sample(random: Random): number {
    const column = random.int(this.size);
    return random.next() < this.#threshold[column]! ? column : this.#alias[column]!;
  }
}
