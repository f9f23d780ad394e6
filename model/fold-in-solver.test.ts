import { describe, expect, it } from 'vitest';
import { Matrix, solve } from 'ml-matrix';
import { generateSynthetic } from '../data/synthetic.ts';
import type { FactorModel } from './factor-model.ts';
import { foldInUser, type UserFactors } from './fold-in.ts';
import { makeProfile, type UserProfile } from './profile.ts';
import { knownUserProfile } from './recommender.ts';
import { defaultTrainConfig, trainRecommender } from './train.ts';

/** The same ridge problem, assembled naively and solved by ml-matrix's general solver. */
function referenceFoldIn(model: FactorModel, profile: UserProfile, reg = 0.1): UserFactors {
  const dims = model.factors + 1;
  const x = Matrix.zeros(profile.items.length, dims);
  const y = Matrix.zeros(profile.items.length, 1);
  profile.items.forEach((item, k) => {
    x.set(k, 0, 1);
    for (let f = 0; f < model.factors; f++) x.set(k, f + 1, model.itemFactors[item * model.stride + f]!);
    y.set(k, 0, profile.ratings[k]! - model.mean - model.itemBias[item]!);
  });
  const gram = x.transpose().mmul(x);
  for (let a = 0; a < dims; a++) gram.set(a, a, gram.get(a, a) + reg * profile.items.length * (a === 0 ? 0.1 : 1));
  const w = solve(gram, x.transpose().mmul(y));
  const vector = new Float32Array(model.stride);
  for (let f = 0; f < model.factors; f++) vector[f] = w.get(f + 1, 0);
  return { bias: w.get(0, 0), vector };
}

const { ratings } = generateSynthetic({ users: 300, movies: 120, ratings: 12_000, seed: 3 });
const factorParams = { ...defaultTrainConfig.factors, factors: 12, epochs: 8, implicit: false };
const model = (
  await trainRecommender(ratings, {
    ...defaultTrainConfig,
    seed: 3,
    validationFraction: 0,
    earlyStopping: false,
    factors: factorParams,
  })
).model;

describe('foldInUser', () => {
  it('solves the same ridge problem as ml-matrix', () => {
    for (const user of [0, 17, 123]) {
      const profile = { ...knownUserProfile(model, user), user: -1 };
      const reference = referenceFoldIn(model.factors, profile);
      const fast = foldInUser(model.factors, profile);
      expect(fast.bias).toBeCloseTo(reference.bias, 5);
      for (let f = 0; f < model.factors.stride; f++) expect(fast.vector[f]).toBeCloseTo(reference.vector[f]!, 5);
    }
  });

  it('gives a zero profile when no rating is usable', () => {
    const empty = foldInUser(model.factors, makeProfile(-1, [], []));
    expect(empty.bias).toBe(0);
    expect(Array.from(empty.vector).every((x) => x === 0)).toBe(true);
  });
});
