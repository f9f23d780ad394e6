import { describe, expect, it } from 'vitest';
import { generateSynthetic } from '../data/synthetic.ts';
import { factorScore, knownUserProfile, prepareProfile, recommend, visitorProfile } from './recommender.ts';
import { defaultTrainConfig, trainRecommender } from './train.ts';

const { ratings } = generateSynthetic({ users: 400, movies: 300, ratings: 40_000, seed: 21, rank: 4 });
const model = (
  await trainRecommender(ratings, {
    ...defaultTrainConfig,
    factors: { ...defaultTrainConfig.factors, implicit: false, factors: 8 },
  })
).model;

describe('fold-in', () => {
  it("solves a known user's factors from their ratings close to the trained ones", () => {
    let agree = 0;
    let users = 0;
    for (let user = 0; user < 50; user++) {
      const profile = knownUserProfile(model, user);
      if (profile.items.length < 20) continue;
      const trained = prepareProfile(model, profile);
      const folded = prepareProfile(model, profile, false);
      const a = Float64Array.from({ length: 300 }, (_, i) => factorScore(model, trained, i));
      const b = Float64Array.from({ length: 300 }, (_, i) => factorScore(model, folded, i));
      users++;
      if (correlation(a, b) > 0.9) agree++;
    }
    expect(users).toBeGreaterThan(20);
    expect(agree / users).toBeGreaterThan(0.9);
  });

  it('recommends for a visitor from their ratings, never what they rated', () => {
    const movieIds = Array.from({ length: 10 }, (_, k) => model.factors.items.idAt(k * 7));
    const visitor = visitorProfile(
      model,
      movieIds.map((movieId, k) => ({ movieId, rating: k % 2 ? 5 : 1 })),
    );
    const result = recommend(model, prepareProfile(model, visitor), 20);
    expect(result.coldStart).toBe(false);
    expect(result.items.length).toBe(20);
    const rated = new Set(Array.from(visitor.items));
    for (const item of result.items) expect(rated.has(item)).toBe(false);
    const empty = recommend(model, prepareProfile(model, visitorProfile(model, [])), 5);
    expect(empty.coldStart).toBe(true);
    expect(Array.from(empty.items)).toEqual(Array.from(model.popularity.subarray(0, 5)));
  });
});

function correlation(a: Float64Array, b: Float64Array): number {
  const mean = (x: Float64Array) => x.reduce((s, v) => s + v, 0) / x.length;
  const ma = mean(a);
  const mb = mean(b);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let k = 0; k < a.length; k++) {
    ab += (a[k]! - ma) * (b[k]! - mb);
    aa += (a[k]! - ma) ** 2;
    bb += (b[k]! - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}
