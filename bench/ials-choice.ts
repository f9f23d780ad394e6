/**
 * node bench/ials-choice.ts DATASET [easeMaxItems] [ials|no-ials]: the default recipe on the
 * benchmark split (80/20 random, seed 42) with iALS a candidate whatever EASE covers (or never),
 * and EASE limited to `easeMaxItems` movies (default: the recipe's) to stand in for a catalogue too
 * big for EASE on data that fits this machine. One JSON line: each ranking model's best NDCG@10 on
 * the validation slice, the one chosen, and the served ranking's figures on the test split.
 */
import { join } from 'node:path';
import { readRatings } from '../data/dataset.ts';
import { generateSynthetic, type SyntheticPreset } from '../data/synthetic.ts';
import { movielensDir } from '../data/test-files.ts';
import { evaluateRecommender } from '../model/evaluate.ts';
import { defaultIalsRankingParams } from '../model/ials-ranking.ts';
import { defaultEaseParams } from '../model/ease.ts';
import { randomSplit } from '../model/test-data.ts';
import { defaultTrainConfig, trainRecommender } from '../model/train.ts';

const [dataset = 'ml-100k', easeMaxItems, withIals = 'ials'] = process.argv.slice(2);
const ratings = dataset.startsWith('synthetic-')
  ? generateSynthetic(dataset.slice('synthetic-'.length) as SyntheticPreset, { seed: 42 }).ratings
  : await readRatings(join(movielensDir(), dataset));
const { train, test } = randomSplit(ratings, 0.2, 42);
const maxItems = easeMaxItems ? Number(easeMaxItems) : defaultEaseParams.maxItems;
const result = await trainRecommender(train, {
  ...defaultTrainConfig,
  ease: { ...defaultEaseParams, maxItems },
  ials: withIals === 'ials' ? { ...defaultIalsRankingParams, maxEaseCover: Number.POSITIVE_INFINITY } : null,
});
const evaluation = evaluateRecommender(result.model, test, { maxRankedUsers: 6_000 });
process.stdout.write(
  `${JSON.stringify({
    dataset,
    easeMaxItems: maxItems,
    ials: withIals === 'ials' ? defaultIalsRankingParams : null,
    validationNdcgAt10: result.validation?.modelNdcgAt10,
    chosen: evaluation.rankingModel,
    ranking: result.validation?.ranking,
    precisionAt10: evaluation.precisionAt10,
    ndcgAt10: evaluation.ndcgAt10,
    similarRecall: evaluation.similar.recall,
    similarPrecision: evaluation.similar.precision,
    fitSeconds: result.seconds,
    stageSeconds: result.stageSeconds,
  })}\n`,
);
