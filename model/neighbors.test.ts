import { describe, expect, it } from 'vitest';
import { neighborScore, type NeighborModel } from './neighbors.ts';
import { makeProfile, type UserProfile } from './profile.ts';
import { Random } from './random.ts';

/** A neighbour model over `items` items with `keep` random neighbours each, best first. */
function randomModel(items: number, keep: number, k: number, rand: () => number): NeighborModel {
  const offsets = new Int32Array(items + 1);
  const neighborItems: number[] = [];
  const similarities: number[] = [];
  for (let i = 0; i < items; i++) {
    const chosen = new Set<number>();
    while (chosen.size < Math.min(keep, items - 1)) {
      const j = Math.floor(rand() * items);
      if (j !== i) chosen.add(j);
    }
    const sims = [...chosen].map(() => rand()).sort((a, b) => b - a);
    neighborItems.push(...chosen);
    similarities.push(...sims);
    offsets[i + 1] = neighborItems.length;
  }
  return {
    baseline: {
      mean: 3.5,
      userBias: Float32Array.from({ length: 10 }, () => rand() - 0.5),
      itemBias: Float32Array.from({ length: items }, () => rand() - 0.5),
    },
    offsets,
    neighborItems: Int32Array.from(neighborItems),
    similarities: Float32Array.from(similarities),
    k,
  };
}

/** The definition, written plainly: the first k neighbours (best first) that the profile rated. */
function referenceScore(model: NeighborModel, profile: UserProfile, userBias: number, item: number): number {
  const { mean, itemBias } = model.baseline;
  const rating = new Map<number, number>();
  profile.items.forEach((j, at) => {
    rating.set(j, profile.ratings[at]!);
  });
  let weights = 0;
  let weighted = 0;
  let used = 0;
  for (let a = model.offsets[item]!; a < model.offsets[item + 1]! && used < model.k; a++) {
    const j = model.neighborItems[a]!;
    const r = rating.get(j);
    if (r === undefined) continue;
    weights += model.similarities[a]!;
    weighted += model.similarities[a]! * (r - mean - userBias - itemBias[j]!);
    used++;
  }
  const score = mean + userBias + itemBias[item]!;
  return weights > 0 ? score + weighted / weights : score;
}

describe('neighborScore', () => {
  const random = new Random(11);
  const rand = () => random.next();
  const model = randomModel(600, 30, 8, rand);

  /** `length` different items of the 600, in random order. */
  const distinctItems = (length: number): number[] => {
    const all = Array.from({ length: 600 }, (_, j) => j);
    for (let k = 0; k < length; k++) {
      const pick = k + Math.floor(rand() * (600 - k));
      [all[k], all[pick]] = [all[pick]!, all[k]!];
    }
    return all.slice(0, length);
  };

  // Profiles of up to 8 times the 30 neighbours take the position table, longer ones the binary search.
  it.each([1, 5, 40, 240, 241, 500])('agrees with the definition for profiles of %i ratings', (length) => {
    for (let trial = 0; trial < 50; trial++) {
      const items = distinctItems(length);
      const profile = makeProfile(
        -1,
        items,
        items.map(() => 0.5 + Math.floor(rand() * 10) / 2),
      );
      const item = Math.floor(rand() * 600);
      const userBias = rand() - 0.5;
      expect(neighborScore(model, profile, userBias, item)).toBeCloseTo(
        referenceScore(model, profile, userBias, item),
        5,
      );
    }
  });

  it('leaves no trace of one profile in the next call', () => {
    const item = 3;
    const neighbours = Array.from(model.neighborItems.subarray(model.offsets[item]!, model.offsets[item + 1]!));
    const rater = makeProfile(-1, neighbours.slice(0, 5), [5, 5, 5, 5, 5]);
    const stranger = makeProfile(-1, [neighbours.at(-1)!], [1]);
    neighborScore(model, rater, 0, item);
    expect(neighborScore(model, stranger, 0, item)).toBeCloseTo(referenceScore(model, stranger, 0, item), 5);
  });

  it('is the baseline for an unknown item or a profile with no rated neighbour', () => {
    const { mean, itemBias } = model.baseline;
    expect(neighborScore(model, makeProfile(-1, [], []), 0.25, 7)).toBeCloseTo(mean + 0.25 + itemBias[7]!, 5);
    expect(neighborScore(model, makeProfile(-1, [1, 2], [4, 4]), 0.25, -1)).toBeCloseTo(mean + 0.25, 5);
  });
});
