/** Maps external ids (MovieLens userId / movieId) to dense indices 0..n-1 and back. */
export class IdIndex {
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
    let index = this.#toIndex.get(id);
    if (index === undefined) {
      index = this.#ids.length;
      this.#toIndex.set(id, index);
      this.#ids.push(id);
    }
    return index;
  }

  /** The index of `id`, or -1 when unknown. */
  indexOf(id: number): number {
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
