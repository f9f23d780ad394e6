import { describe, expect, it } from 'vitest';
import { foldInUser } from '../model/fold-in.ts';
import { makeProfile } from '../model/profile.ts';
import { knownUserProfile, prepareProfile } from '../model/recommender.ts';
import { foldInUserFast, prepareFoldedProfile } from './fast-fold-in.ts';
import { trainSmallModel } from './testing/small-model.ts';

describe('foldInUserFast', () => {
  const model = trainSmallModel(3, 12);

  it('solves the same ridge problem as the ml-matrix reference', () => {
    for (const user of [0, 17, 123]) {
      const profile = { ...knownUserProfile(model, user), user: -1 };
      const reference = foldInUser(model.factors, profile);
      const fast = foldInUserFast(model.factors, profile);
      expect(fast.bias).toBeCloseTo(reference.bias, 5);
      for (let f = 0; f < model.factors.stride; f++) expect(fast.vector[f]).toBeCloseTo(reference.vector[f]!, 5);
    }
  });

  it('prepares the profile prepareProfile(..., false) prepares', () => {
    const profile = makeProfile(4, [1, 5, 9], [5, 1, 3.5]);
    const reference = prepareProfile(model, profile, false);
    const fast = prepareFoldedProfile(model, profile);
    expect(fast.neighborBias).toBe(reference.neighborBias);
    expect(fast.factorBias).toBeCloseTo(reference.factorBias, 5);
  });

  it('gives a zero profile when no rating is usable', () => {
    const empty = foldInUserFast(model.factors, makeProfile(-1, [], []));
    expect(empty.bias).toBe(0);
    expect(Array.from(empty.vector).every((x) => x === 0)).toBe(true);
  });
});
