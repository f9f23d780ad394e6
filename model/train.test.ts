import { describe, expect, it } from 'vitest';
import { generateSynthetic, plantedScore } from '../data/synthetic.ts';
import { evaluateRecommender } from './evaluate.ts';
import { errorMetrics } from './metrics.ts';
import { IALS_CANDIDATES, knownUserProfile, predictRating, prepareProfile, recommend } from './recommender.ts';
import { defaultIalsRankingParams, ialsUserVector } from './ials-ranking.ts';
import { IALS_SIMILAR_SUPPORT } from './similar.ts';
import { movielens, plantedTaste, randomSplit } from './test-data.ts';
import { topN } from './top-n.ts';
import { defaultTrainConfig, trainRecommender, type TrainConfig } from './train.ts';
import { getOrInsert } from '../common/get-or-insert.ts';

const svd = (overrides: Partial<TrainConfig['factors']> = {}): TrainConfig => ({
  ...defaultTrainConfig,
  useNeighbors: false,
  validationFraction: 0,
  earlyStopping: false,
  factors: { ...defaultTrainConfig.factors, implicit: false, epochs: 15, factors: 16, ...overrides },
});

describe('training', () => {
  it('is deterministic: the same seed gives the same parameters and RMSE', async () => {
    const { ratings } = generateSynthetic({ users: 300, movies: 200, ratings: 20_000, seed: 3 });
    for (const implicit of [false, true]) {
      const config = {
        ...defaultTrainConfig,
        factors: { ...defaultTrainConfig.factors, implicit, factors: 12, epochs: 8 },
      };
      const a = await trainRecommender(ratings, config);
      const b = await trainRecommender(ratings, config);
      expect(
        Buffer.from(a.model.factors.userFactors.buffer).equals(Buffer.from(b.model.factors.userFactors.buffer)),
      ).toBe(true);
      expect(
        Buffer.from(a.model.factors.itemFactors.buffer).equals(Buffer.from(b.model.factors.itemFactors.buffer)),
      ).toBe(true);
      expect(a.validation!.blendRmse).toBe(b.validation!.blendRmse);
      const c = await trainRecommender(ratings, { ...config, seed: config.seed + 1 });
      expect(c.validation!.blendRmse).not.toBe(a.validation!.blendRmse);
    }
  });

  it('recovers a planted low-rank model: held-out error close to the planted noise', async () => {
    const data = generateSynthetic({ users: 800, movies: 400, ratings: 80_000, seed: 11, rank: 4, noiseStd: 0.3 });
    const { train, test } = randomSplit(data.ratings, 0.2, 1);
    const result = await trainRecommender(train, svd({ factors: 8, epochs: 40, regFactor: 0.02 }));
    const prepared = new Map<number, ReturnType<typeof prepareProfile>>();
    const predicted = Float64Array.from({ length: test.length }, (_, k) => {
      const user = result.model.factors.users.indexOf(test.userIds[k]!);
      const p = getOrInsert(prepared, user, () => prepareProfile(result.model, knownUserProfile(result.model, user)));
      return predictRating(result.model, p, result.model.factors.items.indexOf(test.movieIds[k]!));
    });
    // the best any model can do is the noise-free planted score; half-star rounding adds ~0.14
    const oracle = Float64Array.from({ length: test.length }, (_, k) =>
      plantedScore(data.planted, test.userIds[k]!, test.movieIds[k]!),
    );
    const oracleRmse = errorMetrics(test.values, oracle).rmse;
    const modelRmse = errorMetrics(test.values, predicted).rmse;
    const meanOnly = errorMetrics(test.values, new Float64Array(test.length).fill(result.model.factors.mean)).rmse;
    expect(modelRmse).toBeLessThan(oracleRmse * 1.15);
    expect(modelRmse).toBeLessThan(meanOnly * 0.6);
  });

  it('stops early on the validation slice and reports each epoch', async () => {
    const { ratings } = generateSynthetic({ users: 300, movies: 200, ratings: 20_000, seed: 4 });
    const epochs: number[] = [];
    const result = await trainRecommender(
      ratings,
      { ...defaultTrainConfig, factors: { ...defaultTrainConfig.factors, epochs: 200, factors: 8 } },
      (event) => {
        if (event.kind === 'epoch' && event.report.phase === 'fit') epochs.push(event.report.validationRmse!);
      },
    );
    expect(result.chosenEpochs).toBeLessThan(200);
    expect(epochs.length).toBe(result.chosenEpochs + defaultTrainConfig.factors.patience);
    expect(Math.min(...epochs)).toBe(epochs[result.chosenEpochs - 1]);
  });

  it('on ml-100k predicts within the RMSE target and ranks far better than popularity', async () => {
    const { train, test } = randomSplit(await movielens('ml-100k'), 0.2, 42);
    const result = await trainRecommender(train);
    const evaluation = evaluateRecommender(result.model, test);
    expect(evaluation.testRatings).toBe(test.length);
    expect(evaluation.rmse).toBeLessThan(0.91);
    expect(evaluation.precisionAt10).toBeGreaterThan(evaluation.popularityPrecisionAt10 * 1.5);
    expect(evaluation.ndcgAt10).toBeGreaterThan(evaluation.popularityNdcgAt10);
    expect(result.validation?.ranking.popularityOnly).toBeUndefined();
    // EASE ranks here, and its similar lists find more of what people liked than factor cosine
    expect(evaluation.rankingModel).toBe('ease');
    expect(result.model.ease!.lambda).toBe(result.validation!.easeLambda);
    expect(evaluation.similar.recall).toBeGreaterThan(evaluation.cosineSimilar.recall);
    expect(evaluation.similar.precision).toBeGreaterThan(evaluation.cosineSimilar.precision);
  });

  it('serves the popularity ranking when co-occurrence says nothing more on the validation slice', async () => {
    // synthetic ratings: who rates what follows popularity and activity alone, not taste
    const { ratings } = generateSynthetic({ users: 1500, movies: 600, ratings: 60_000, seed: 2 });
    const result = await trainRecommender(ratings, {
      ...defaultTrainConfig,
      factors: { ...defaultTrainConfig.factors, factors: 16, epochs: 10 },
    });
    expect(result.validation?.ranking.popularityOnly).toBe(true);
  });

  it('fits the neighbour models on a worker thread beside the factors, the same model as on one', async () => {
    const { ratings } = generateSynthetic({ users: 400, movies: 150, ratings: 24_000, seed: 6 });
    const config = {
      ...defaultTrainConfig,
      factors: { ...defaultTrainConfig.factors, factors: 8, epochs: 12 },
      // iALS too, whatever EASE covers
      ials: { ...defaultIalsRankingParams, maxEaseCover: 2, ials: { ...defaultIalsRankingParams.ials, factors: 8 } },
    };
    const threads: unknown[] = [];
    const onWorker = await trainRecommender(ratings, { ...config, neighborThreadMinPairs: 0 }, (event) => {
      if (event.kind === 'stage' && ['fit-neighbors', 'fit-ials'].includes(event.stage))
        threads.push(event.detail?.thread);
    });
    const onMain = await trainRecommender(ratings, { ...config, neighborThreadMinPairs: Infinity });
    expect(threads).toEqual(['worker', 'worker']);
    expect(onWorker.validation!.modelNdcgAt10!.ials).toBeGreaterThan(0);
    const same = (a: ArrayBufferView, b: ArrayBufferView) =>
      Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    expect(same(onWorker.model.cooccurrence!.similarities, onMain.model.cooccurrence!.similarities)).toBe(true);
    expect(same(onWorker.model.neighbors!.neighborItems, onMain.model.neighbors!.neighborItems)).toBe(true);
    expect(same(onWorker.model.factors.itemFactors, onMain.model.factors.itemFactors)).toBe(true);
    expect(same(onWorker.model.ease!.weights, onMain.model.ease!.weights)).toBe(true);
    expect(onWorker.validation).toEqual(onMain.validation);
  });

  it('stops the worker and reports the error when the factor fit fails', async () => {
    const { ratings } = generateSynthetic({ users: 200, movies: 100, ratings: 8_000, seed: 7 });
    const config = {
      ...defaultTrainConfig,
      neighborThreadMinPairs: 0,
      factors: { ...defaultTrainConfig.factors, learningRate: -1 },
    };
    await expect(trainRecommender(ratings, config)).rejects.toThrow(/learningRate must be a positive number/);
  });

  it('serves the models fitted beside the validation slice, or with refit trains again on all ratings', async () => {
    const { ratings } = generateSynthetic({ users: 300, movies: 200, ratings: 20_000, seed: 8 });
    const config = { ...defaultTrainConfig, factors: { ...defaultTrainConfig.factors, factors: 8, epochs: 30 } };
    const kept = await trainRecommender(ratings, config);
    const refit = await trainRecommender(ratings, { ...config, refit: true });
    expect(kept.epochs.every((e) => e.phase === 'fit')).toBe(true);
    expect(refit.epochs.filter((e) => e.phase === 'refit')).toHaveLength(refit.chosenEpochs);
    expect(Object.keys(kept.stageSeconds)).not.toContain('refit-factors');
    // either way the exclusion lists hold every training rating, and so do the popularity counts
    for (const result of [kept, refit]) expect(result.model.rated.items.length).toBe(ratings.length);
  });

  it('ranks with iALS when it beats co-occurrence on the validation slice, and serves it', async () => {
    // a catalogue EASE is off for, where each person rated four movies of a planted two-dimensional taste
    const ratings = plantedTaste(4000, 1500, 4, 4, 2);
    const stages: string[] = [];
    const result = await trainRecommender(
      ratings,
      {
        ...defaultTrainConfig,
        ease: null,
        factors: { ...defaultTrainConfig.factors, factors: 8, epochs: 10 },
        ials: { ...defaultIalsRankingParams, ials: { ...defaultIalsRankingParams.ials, factors: 8 } },
      },
      (event) => event.kind === 'stage' && stages.push(event.stage),
    );
    const { modelNdcgAt10, ranking } = result.validation!;
    expect(stages).toContain('fit-ials');
    expect(modelNdcgAt10!.ials).toBeGreaterThan(modelNdcgAt10!.cooccurrence! * 1.05);
    expect(ranking.itemModel).toBe('ials');
    expect(result.validation!.rankingNdcgAt10).toBe(modelNdcgAt10!.ials);
    const { model } = result;
    expect(model.ials).not.toBeNull();
    // a known user's top 10 come from iALS's best movies among those they did not rate
    for (const user of [5, 50, 500]) {
      const prepared = prepareProfile(model, knownUserProfile(model, user));
      const served = recommend(model, prepared, 10).items;
      const { factors: k, itemFactors } = model.ials!;
      const vector = ialsUserVector(model.ials!, prepared.profile.items);
      const scores = Float64Array.from({ length: model.factors.items.size }, (_, i) => {
        if (prepared.profile.items.includes(i)) return Number.NaN;
        let dot = 0;
        for (let x = 0; x < k; x++) dot += vector[x]! * itemFactors[i * k + x]!;
        return dot;
      });
      const pool = new Set(topN(scores, IALS_CANDIDATES));
      for (const item of served) expect(pool.has(item)).toBe(true);
      if (ranking.ratingWeight === 0) expect(Array.from(served)).toEqual(Array.from(topN(scores, 10)));
    }
    // similar lists from the iALS factors for movies with the support
    const counts = new Int32Array(model.factors.items.size);
    for (const i of model.rated.items) counts[i]!++;
    const movie = counts.findIndex((count) => count >= IALS_SIMILAR_SUPPORT.minSupport);
    const list = model.similar!.items.subarray(model.similar!.offsets[movie]!, model.similar!.offsets[movie + 1]!);
    expect(list.length).toBeGreaterThan(0);
    for (const other of list) expect(counts[other]).toBeGreaterThanOrEqual(IALS_SIMILAR_SUPPORT.minSupport);
  });

  it('fits no iALS where EASE covers most of the catalogue', async () => {
    const stages: string[] = [];
    const result = await trainRecommender(
      plantedTaste(1000, 400, 12, 4),
      { ...defaultTrainConfig, factors: { ...defaultTrainConfig.factors, factors: 8, epochs: 5 } },
      (event) => event.kind === 'stage' && stages.push(event.stage),
    );
    expect(stages).not.toContain('fit-ials');
    expect(result.validation!.modelNdcgAt10!.ials).toBeUndefined();
    expect(result.model.ials).toBeNull();
  });
});
