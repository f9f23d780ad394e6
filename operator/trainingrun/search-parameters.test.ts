import { describe, expect, it } from 'vitest';
import { type SearchSpec, trialCount, trialParameters } from './search-parameters.ts';

const objective = { metric: 'validationNdcgAt10', direction: 'maximize' } as const;

describe('trial parameters of a search', () => {
  const grid: SearchSpec = {
    objective,
    method: 'grid',
    parameters: {
      factors: { values: [16, 32, 64] },
      learningRate: { values: [0.01, 0.02] },
      algorithm: { values: ['blend', 'svd'] },
    },
    maxTrials: 100,
  };

  it('grid: every combination once, in order, the last parameter fastest', () => {
    expect(trialCount(grid)).toBe(12);
    const trials = Array.from({ length: 12 }, (_, i) => trialParameters(grid, 42, i));
    expect(trials.slice(0, 3)).toEqual([
      { algorithm: 'blend', factors: 16, learningRate: 0.01 },
      { algorithm: 'blend', factors: 16, learningRate: 0.02 },
      { algorithm: 'blend', factors: 32, learningRate: 0.01 },
    ]);
    expect(trials[11]).toEqual({ algorithm: 'svd', factors: 64, learningRate: 0.02 });
    expect(new Set(trials.map((t) => JSON.stringify(t))).size).toBe(12);
  });

  it('grid: maxTrials caps the combinations; the seed does not matter', () => {
    const capped = { ...grid, maxTrials: 5 };
    expect(trialCount(capped)).toBe(5);
    expect(trialParameters(capped, 1, 4)).toEqual(trialParameters(grid, 99, 4));
    expect(() => trialParameters(capped, 1, 5)).toThrow(/outside the search's 5 trials/);
  });

  const random: SearchSpec = {
    objective,
    method: 'random',
    parameters: {
      factors: { min: 8, max: 256, scale: 'log' },
      epochs: { min: 5, max: 10 },
      learningRate: { min: 0.001, max: 0.1, scale: 'log' },
      regularization: { min: 0.01, max: 0.2 },
      algorithm: { values: ['blend', 'svdpp'] },
    },
    maxTrials: 200,
  };

  it('random: the same seed and index give the same trial, whoever computes it', () => {
    expect(trialCount(random)).toBe(200);
    expect(trialParameters(random, 42, 17)).toEqual(trialParameters(random, 42, 17));
    expect(trialParameters(random, 43, 17)).not.toEqual(trialParameters(random, 42, 17));
  });

  it('random: values stay in their ranges, integers where integers are asked, distinct across trials', () => {
    const trials = Array.from({ length: 200 }, (_, i) => trialParameters(random, 7, i));
    for (const t of trials) {
      expect(Number.isInteger(t.factors) && t.factors! >= 8 && t.factors! <= 256).toBe(true);
      expect(Number.isInteger(t.epochs) && t.epochs! >= 5 && t.epochs! <= 10).toBe(true);
      expect(t.learningRate! >= 0.001 && t.learningRate! <= 0.1).toBe(true);
      expect(t.regularization! >= 0.01 && t.regularization! <= 0.2).toBe(true);
      expect(['blend', 'svdpp']).toContain(t.algorithm);
    }
    // every integer of a small range and both choices come up
    expect(new Set(trials.map((t) => t.epochs))).toEqual(new Set([5, 6, 7, 8, 9, 10]));
    expect(new Set(trials.map((t) => t.algorithm)).size).toBe(2);
    expect(new Set(trials.map((t) => t.learningRate)).size).toBeGreaterThan(150);
  });

  it('random: a log scale spreads draws over orders of magnitude', () => {
    const rates = Array.from({ length: 200 }, (_, i) => trialParameters(random, 7, i).learningRate!);
    const belowOneHundredth = rates.filter((rate) => rate < 0.01).length;
    // half the log range lies below 0.01; a linear draw would put about 9% there
    expect(belowOneHundredth).toBeGreaterThan(70);
    expect(belowOneHundredth).toBeLessThan(130);
  });

  it('refuses an index outside the trials', () => {
    expect(() => trialParameters(random, 42, 200)).toThrow(RangeError);
    expect(() => trialParameters(random, 42, -1)).toThrow(RangeError);
  });
});
