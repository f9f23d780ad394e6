import { describe, expect, it } from 'vitest';
import { Random } from '../model/random.ts';
import { batchAt, timeOrder } from './time-batches.ts';

describe('timeOrder', () => {
  it('orders by time, ties in row order, as a stable comparison sort would', () => {
    const random = new Random(1);
    const timestamps = Float64Array.from({ length: 50_000 }, () => 8e8 + random.int(3e8));
    for (let i = 0; i < 1000; i++) timestamps[i * 7] = 9e8; // many ties
    const expected = Array.from(timestamps.keys()).sort((a, b) => timestamps[a]! - timestamps[b]! || a - b);
    expect(Array.from(timeOrder(timestamps))).toEqual(expected);
  });

  it('handles spans beyond 32 bits of seconds, and tiny inputs', () => {
    expect(Array.from(timeOrder(Float64Array.of(1e12, -5, 3)))).toEqual([1, 2, 0]);
    expect(Array.from(timeOrder(new Float64Array(0)))).toEqual([]);
    expect(Array.from(timeOrder(Float64Array.of(4)))).toEqual([0]);
  });
});

describe('batchAt', () => {
  it('splits rows into equal batches numbered from 1', () => {
    const batches = Array.from({ length: 10 }, (_, p) => batchAt(p, 10, 3));
    expect(batches).toEqual([1, 1, 1, 1, 2, 2, 2, 3, 3, 3]);
  });
});
