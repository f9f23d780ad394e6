import { parseArgs } from 'node:util';
import { createLogger } from '../common/log.ts';
import { readRatingsCsv } from '../data/dataset.ts';
import { evaluateRecommender } from '../model/evaluate.ts';
import { trainRecommender } from '../model/train.ts';
import { requiredString } from './options.ts';
import { trainConfigFromFlags, trainFlags, trainFlagsHelp } from './train-config.ts';

export const evaluateHelp = `movie-reco evaluate --train FILE --test FILE [options] [--json]

Trains on --train, predicts every row of --test, and prints the metrics.
FILE: CSV with a header naming userId, movieId, rating (timestamp optional), plain or .gz.

${trainFlagsHelp}
  --json        one JSON object on stdout (progress goes to stderr as JSON lines)`;

export async function evaluateCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { train: { type: 'string' }, test: { type: 'string' }, json: { type: 'boolean' }, ...trainFlags },
    strict: true,
  });
  const config = trainConfigFromFlags(values);
  const log = createLogger({ command: 'evaluate' });
  const [train, test] = await Promise.all([
    readRatingsCsv(requiredString(values, 'train')),
    readRatingsCsv(requiredString(values, 'test')),
  ]);
  log.info('ratings loaded', { train: train.length, test: test.length });
  const result = await trainRecommender(train, config, (event) => {
    if (event.kind === 'epoch') log.info('epoch', { ...event.report });
    else log.info('stage done', { stage: event.stage, seconds: event.seconds, ...event.detail });
  });
  const evaluation = evaluateRecommender(result.model, test);
  const output = {
    rmse: evaluation.rmse,
    mae: evaluation.mae,
    precisionAt10: evaluation.precisionAt10,
    recallAt10: evaluation.recallAt10,
    ndcgAt10: evaluation.ndcgAt10,
    rankingModel: evaluation.rankingModel,
    similarRecall: evaluation.similar.recall,
    similarPrecision: evaluation.similar.precision,
    cosineSimilarRecall: evaluation.cosineSimilar.recall,
    cosineSimilarPrecision: evaluation.cosineSimilar.precision,
    coverage: evaluation.coverage,
    popularityPrecisionAt10: evaluation.popularityPrecisionAt10,
    popularityRecallAt10: evaluation.popularityRecallAt10,
    popularityNdcgAt10: evaluation.popularityNdcgAt10,
    fitSeconds: result.seconds,
    predictSeconds: evaluation.predictSeconds,
    trainRatings: train.length,
    testRatings: test.length,
    epochs: result.chosenEpochs,
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(output)}\n`);
  } else {
    for (const [key, value] of Object.entries(output)) {
      process.stdout.write(
        `${key.padEnd(24)} ${typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(4) : value}\n`,
      );
    }
  }
  return 0;
}
