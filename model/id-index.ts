const DENSE_LIMIT = 1 << 24;

/** Maps external ids (MovieLens userId / movieId) to dense indices 0..n-1 and back. */
export class IdIndex {
  // MovieLens ids are small non-negative integers: a dense table answers them without hashing
  // (index + 1, 0 = absent); any other id goes to the map.
  #dense = new Int32Array(1024);
  readonly #toIndex = new Map<number, number>();
  readonly #ids: number[] = [];

  static fromIds(ids: ArrayLike<number>): IdIndex {
    const index = new IdIndex();
    for (let k = 0; k < ids.length; k++) index.add(ids[k]!);
    return index;
  }

  get size(): number {
    return this.#ids.length;
  }

  /** The index of `id`, adding it when new. */
  add(id: number): number {
    const known = this.indexOf(id);
    if (known >= 0) return known;
    const index = this.#ids.length;
    this.#ids.push(id);
    if (Number.isInteger(id) && id >= 0 && id < DENSE_LIMIT) {
      if (id >= this.#dense.length) {
        const grown = new Int32Array(Math.min(DENSE_LIMIT, Math.max(id + 1, this.#dense.length * 2)));
        grown.set(this.#dense);
        this.#dense = grown;
      }
      this.#dense[id] = index + 1;
    } else {
      this.#toIndex.set(id, index);
    }
    return index;
  }

  /** The index of `id`, or -1 when unknown. */
  indexOf(id: number): number {
    if (id >= 0 && id < this.#dense.length && Number.isInteger(id)) return this.#dense[id]! - 1;
    return this.#toIndex.get(id) ?? -1;
  }

  idAt(index: number): number {
    const id = this.#ids[index];
    if (id === undefined) throw new RangeError(`no id at index ${index}`);
    return id;
  }

  toInt32Array(): Int32Array {
    return Int32Array.from(this.#ids);
  }
}
