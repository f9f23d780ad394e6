import { describe, expect, it } from 'vitest';
import { median, stopsByMedian } from './search-median.ts';

const curve = (...values: number[]) => new Map(values.map((value, k) => [k + 1, value]));

describe('the median stopping rule', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });

  const others = [curve(1.0, 0.95, 0.93), curve(1.1, 0.99, 0.97), curve(1.2, 1.05, 1.0)];
  const rule = { minEpochs: 2, minTrials: 2 };

  it('stops a trial worse than the median of the others at the same epoch', () => {
    expect(stopsByMedian(2, 1.0, others, rule)).toBe(true); // median at epoch 2 is 0.99
    expect(stopsByMedian(2, 0.99, others, rule)).toBe(false); // equal to the median: not worse
    expect(stopsByMedian(3, 0.96, others, rule)).toBe(false); // median at epoch 3 is 0.97
  });

  it('never stops before minEpochs', () => {
    expect(stopsByMedian(1, 5, others, rule)).toBe(false);
    expect(stopsByMedian(1, 5, others, { ...rule, minEpochs: 1 })).toBe(true);
  });

  it('compares only at epochs that at least minTrials others reached', () => {
    const short = [curve(1.0, 0.9), curve(1.0, 0.9, 0.8)];
    expect(stopsByMedian(3, 2, short, rule)).toBe(false);
    expect(stopsByMedian(3, 2, short, { ...rule, minTrials: 1 })).toBe(true);
    expect(stopsByMedian(2, 2, [], { minEpochs: 1, minTrials: 1 })).toBe(false);
  });

  it('stops a diverged trial', () => {
    expect(stopsByMedian(2, Number.NaN, others, rule)).toBe(true);
    expect(stopsByMedian(2, Number.POSITIVE_INFINITY, others, rule)).toBe(true);
  });
});
