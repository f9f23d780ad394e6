import { describe, expect, it } from 'vitest';
import { generateSynthetic } from '../data/synthetic.ts';
import { itemFactorNorms, makeRankingScratch, recommendFast } from './fast-ranking.ts';
import { makeProfile } from './profile.ts';
import {
  cooccurrenceCandidates,
  cooccurrenceCandidatesByPower,
  knownUserProfile,
  prepareProfile,
  recommend,
} from './recommender.ts';
import { defaultTrainConfig, trainRecommender } from './train.ts';

async function trainSmallModel(seed: number, factors: number) {
  const { ratings } = generateSynthetic({ users: 300, movies: 120, ratings: 12_000, seed });
  const factorParams = { ...defaultTrainConfig.factors, factors, epochs: 8, implicit: false };
  return (
    await trainRecommender(ratings, {
      ...defaultTrainConfig,
      seed,
      validationFraction: 0,
      earlyStopping: false,
      factors: factorParams,
    })
  ).model;
}

const model = await trainSmallModel(5, 8);

describe('recommendFast', () => {
  const serving = { itemNorms: itemFactorNorms(model.factors), ranking: makeRankingScratch(model.factors.items.size) };

  it('returns exactly what recommend returns, for every user and several n', () => {
    for (let user = 0; user < model.factors.users.size; user++) {
      const prepared = prepareProfile(model, knownUserProfile(model, user));
      for (const n of [1, 5, 10, 40]) {
        const reference = recommend(model, prepared, n);
        const fast = recommendFast(model, prepared, n, serving.itemNorms, serving.ranking);
        expect(fast.coldStart).toBe(reference.coldStart);
        expect(Array.from(fast.items), `user ${user} n ${n}`).toEqual(Array.from(reference.items));
      }
    }
  });

  it('matches for folded-in profiles, with other ranking weights, and for nobody', () => {
    for (const ratingWeight of [0, 0.1, 2]) {
      const tuned = { ...model, ranking: { ratingWeight, ratingPower: 1 } };
      for (const items of [[], [3], [1, 7, 20, 44], Array.from({ length: 60 }, (_, k) => k * 2)]) {
        const prepared = prepareProfile(
          tuned,
          makeProfile(
            -1,
            items,
            items.map((i) => 0.5 + (i % 10) / 2),
          ),
        );
        const reference = recommend(tuned, prepared, 10);
        const fast = recommendFast(tuned, prepared, 10, serving.itemNorms, serving.ranking);
        expect(Array.from(fast.items)).toEqual(Array.from(reference.items));
      }
    }
  });

  it('leaves its scratch buffers clean', () => {
    expect(serving.ranking.accumulated.every((x) => x === 0)).toBe(true);
    expect(serving.ranking.rated.every((x) => x === 0)).toBe(true);
  });
});

describe('cooccurrenceCandidatesByPower', () => {
  it('gives, for each power, what cooccurrenceCandidates gives for it alone, and leaves its scratch clean', () => {
    const powers = [0, 1, 3];
    const scratch = new Float64Array(model.factors.items.size * powers.length);
    let candidates = 0;
    for (const user of [0, 7, 150, 299]) {
      const profile = knownUserProfile(model, user);
      const together = cooccurrenceCandidatesByPower(
        model.cooccurrence!,
        model.factors.items.size,
        profile,
        powers,
        scratch,
      );
      powers.forEach((power, p) => {
        const alone = cooccurrenceCandidates(model, profile, power);
        expect(Array.from(together.items)).toEqual(Array.from(alone.items));
        expect(Array.from(together.cooccurrence[p]!)).toEqual(Array.from(alone.cooccurrence));
      });
      candidates += together.items.length;
    }
    expect(candidates).toBeGreaterThan(0);
    expect(scratch.every((x) => x === 0)).toBe(true);
  });
});

describe('recommendFast with EASE ranking', () => {
  const ease = { ...model, ranking: { ratingWeight: 0, ratingPower: 3, itemModel: 'ease' as const } };
  const serving = { itemNorms: itemFactorNorms(ease.factors), ranking: makeRankingScratch(ease.factors.items.size) };

  it('ranks unrated items by their summed EASE weights, as recommend does', () => {
    const { items, weights, positions } = ease.ease!;
    const n = items.length;
    for (const user of [0, 42, 299]) {
      const profile = knownUserProfile(ease, user);
      const prepared = prepareProfile(ease, profile);
      const fast = recommendFast(ease, prepared, 10, serving.itemNorms, serving.ranking);
      expect(Array.from(fast.items)).toEqual(Array.from(recommend(ease, prepared, 10).items));
      const score = (item: number): number => {
        let sum = 0;
        for (const rated of profile.items)
          if (positions[rated]! >= 0) sum += weights[positions[rated]! * n + positions[item]!]!;
        return sum;
      };
      const rated = new Set(profile.items);
      const best = Array.from(items)
        .filter((item) => !rated.has(item))
        .sort((a, b) => score(b) - score(a) || a - b);
      expect(fast.items[0]).toBe(best[0]);
      expect(Array.from(fast.items).some((item) => rated.has(item))).toBe(false);
    }
  });
});
