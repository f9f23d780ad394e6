import { describe, expect, it } from 'vitest';
import { similarItems } from './similar-movies.ts';
import { servingModelOf, smallArtifact } from './testing/small-model.ts';

const serving = servingModelOf(await smallArtifact('similar'));

describe('similarItems', () => {
  it('reads the precomputed list: EASE weights, best first', () => {
    const { ease, similar } = serving.recommender;
    for (const item of [0, 7, 50]) {
      const { items, scores } = similarItems(serving, item, 10);
      expect(items).toHaveLength(10);
      expect(Array.from(items)).not.toContain(item);
      const n = ease!.items.length;
      const p = ease!.positions[item]!;
      for (let k = 0; k < items.length; k++) {
        expect(scores[k]).toBe(ease!.weights[p * n + ease!.positions[items[k]!]!]);
        if (k > 0) expect(scores[k]).toBeLessThanOrEqual(scores[k - 1]!);
      }
      expect(Array.from(items)).toEqual(Array.from(similar!.items.subarray(similar!.offsets[item]!).slice(0, 10)));
    }
  });

  it('falls back to the cosine of factor vectors for a model without lists', () => {
    const bare = { ...serving, recommender: { ...serving.recommender, similar: null } };
    const f = bare.recommender.factors;
    const cosine = (a: number, b: number): number => {
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let k = 0; k < f.stride; k++) {
        const x = f.itemFactors[a * f.stride + k]!;
        const y = f.itemFactors[b * f.stride + k]!;
        dot += x * y;
        na += x * x;
        nb += y * y;
      }
      return dot / Math.sqrt(na * nb);
    };
    const others = Array.from({ length: f.items.size - 1 }, (_, k) => k + 1).sort(
      (a, b) => cosine(0, b) - cosine(0, a),
    );
    expect(Array.from(similarItems(bare, 0, 5).items)).toEqual(others.slice(0, 5));
  });
});
