import type { Evaluation } from '../model/evaluate.ts';
import type { TrainResult } from '../model/train.ts';

/** One training run scored on a test set: what `movie-reco evaluate --json` prints and bench/train-case records. */
export function evaluationReport(result: TrainResult, evaluation: Evaluation, trainRatings: number) {
  return {
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
    rankedUsers: evaluation.rankedUsers,
    fitSeconds: result.seconds,
    predictSeconds: evaluation.predictSeconds,
    trainRatings,
    testRatings: evaluation.testRatings,
    epochs: result.chosenEpochs,
  };
}
