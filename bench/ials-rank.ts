/**
 * node bench/ials-rank.ts DATASET [factors epochs λ α0 ...]: iALS (model/ials.ts) ranking on the
 * benchmark split (80/20 random, seed 42) by the evaluate protocol: users with a test rating >= 4,
 * candidates every movie they did not rate in training, binary NDCG. One JSON line per setting
 * (four numbers each), with its training seconds.
 */
import { join } from 'node:path';
import { readRatings } from '../data/dataset.ts';
import { RELEVANT_RATING } from '../model/evaluate.ts';
import { defaultIalsParams, trainIals } from '../model/ials.ts';
import { RankingAccumulator } from '../model/metrics.ts';
import { movielensDir } from '../data/test-files.ts';
import { randomSplit } from '../model/test-data.ts';
import { topN } from '../model/top-n.ts';
import { buildTrainingSet } from '../model/training-set.ts';

const [dataset = 'ml-100k', ...numbers] = process.argv.slice(2);
const settings: number[][] = [];
for (let k = 0; k + 3 < numbers.length; k += 4) settings.push(numbers.slice(k, k + 4).map(Number));
if (settings.length === 0)
  settings.push([64, 12, defaultIalsParams.regularization, defaultIalsParams.unobservedWeight]);

const { train, test } = randomSplit(await readRatings(join(movielensDir(), dataset)), 0.2, 42);
const set = buildTrainingSet(train);
const relevant = new Map<number, Set<number>>();
for (let k = 0; k < test.length; k++) {
  if (test.values[k]! < RELEVANT_RATING) continue;
  const user = set.users.indexOf(test.userIds[k]!);
  if (user < 0) continue;
  const item = set.items.indexOf(test.movieIds[k]!);
  if (!relevant.has(user)) relevant.set(user, new Set());
  relevant.get(user)!.add(item >= 0 ? item : -1 - k);
}
for (const [factors, epochs, regularization, unobservedWeight] of settings) {
  const params = {
    ...defaultIalsParams,
    factors: factors!,
    epochs: epochs!,
    regularization: regularization!,
    unobservedWeight: unobservedWeight!,
  };
  const started = performance.now();
  const model = trainIals(set, params);
  const seconds = (performance.now() - started) / 1000;
  const k = params.factors;
  const scores = new Float64Array(set.items.size);
  const accumulator = new RankingAccumulator(10, set.items.size);
  for (const [user, liked] of relevant) {
    for (let i = 0; i < scores.length; i++) {
      let dot = 0;
      for (let a = 0; a < k; a++) dot += model.userFactors[user * k + a]! * model.itemFactors[i * k + a]!;
      scores[i] = dot;
    }
    for (let e = set.userOffsets[user]!; e < set.userOffsets[user + 1]!; e++) scores[set.byUserItems[e]!] = Number.NaN;
    accumulator.add(topN(scores, 10), liked);
  }
  const { precisionAt10, ndcgAt10, users } = accumulator.result();
  process.stdout.write(`${JSON.stringify({ dataset, ...params, precisionAt10, ndcgAt10, users, seconds })}\n`);
}
