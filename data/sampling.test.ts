import { describe, expect, it } from 'vitest';
import { Random } from '../model/random.ts';
import { AliasTable } from './alias-table.ts';
import { selectSmallest } from './select-smallest.ts';

describe('AliasTable', () => {
  it('draws each index in proportion to its weight', () => {
    const weights = [5, 0, 1, 3, 1];
    const table = new AliasTable(weights);
    const random = new Random(9);
    const counts = new Array(weights.length).fill(0);
    const draws = 200_000;
    for (let i = 0; i < draws; i++) counts[table.sample(random)]++;
    weights.forEach((w, i) => {
      expect(Math.abs(counts[i] / draws - w / 10)).toBeLessThan(0.005);
    });
    expect(counts[1]).toBe(0);
  });

  it('refuses weights that cannot be sampled', () => {
    expect(() => new AliasTable([])).toThrow(/at least one/);
    expect(() => new AliasTable([0, 0])).toThrow(/sum to zero/);
    expect(() => new AliasTable([1, -1])).toThrow(/weight 1 is -1/);
  });
});

describe('selectSmallest', () => {
  it('moves the k smallest keys, with their items, to the front', () => {
    const random = new Random(4);
    for (const n of [1, 2, 10, 1_000]) {
      for (const k of [0, 1, Math.floor(n / 3), n - 1, n]) {
        const keys = Float64Array.from({ length: n }, () => random.int(50));
        const items = Int32Array.from({ length: n }, (_, i) => i);
        const original = Float64Array.from(keys);
        selectSmallest(keys, items, n, k);
        const sorted = Array.from(original).sort((a, b) => a - b);
        expect(Array.from(keys.subarray(0, k)).sort((a, b) => a - b)).toEqual(sorted.slice(0, k));
        items.forEach((item, i) => {
          expect(original[item]).toBe(keys[i]);
        });
      }
    }
  });
});
