import { describe, expect, it } from 'vitest';
import { IdIndex } from './id-index.ts';

describe('IdIndex', () => {
  it('numbers ids in first-seen order and maps them back, small, huge and negative alike', () => {
    const ids = [7, 3, 7, 100_000, 2 ** 30, -5, 3, 1.5, 0];
    const index = new IdIndex();
    expect(ids.map((id) => index.add(id))).toEqual([0, 1, 0, 2, 3, 4, 1, 5, 6]);
    expect(index.size).toBe(7);
    expect([7, 3, 100_000, 2 ** 30, -5, 1.5, 0].map((id) => index.indexOf(id))).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(index.indexOf(8)).toBe(-1);
    expect(index.indexOf(2 ** 31)).toBe(-1);
    expect(index.idAt(3)).toBe(2 ** 30);
    expect(Array.from(IdIndex.fromIds(index.toInt32Array().subarray(0, 5)).toInt32Array())).toEqual([
      7,
      3,
      100_000,
      2 ** 30,
      -5,
    ]);
  });
});
