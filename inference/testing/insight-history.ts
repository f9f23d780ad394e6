import type { Database } from '../../storage/database.ts';
import { recordGateDecision } from '../../storage/gate-decisions.ts';
import { recordPromotion } from '../../storage/promotions.ts';
import { insertRating } from '../../storage/ratings-table.ts';
import { finishRun, recordEpoch, startRun } from '../../storage/training-runs.ts';

/**
 * What the insight routes read, in a migrated database: two finished runs of model 'test' and one
 * of 'other', three epochs each, two promotions, three gate decisions and two ratings.
 */
export async function recordInsightHistory(db: Database): Promise<void> {
  // Two finished runs of the served model ('test'), one of another model, and the promotions between them.
  for (const [runId, model, factors, rmse, day] of [
    ['run-a', 'test', 8, 0.95, 1],
    ['run-b', 'test', 16, 0.9, 2],
    ['other-1', 'other', 4, 1.1, 3],
  ] as const) {
    await startRun(db, {
      runId,
      model,
      params: { factors: { factors, epochs: 3 }, seed: 42 },
      startedAt: new Date(Date.UTC(2025, 0, day)),
    });
    for (let epoch = 1; epoch <= 3; epoch++)
      await recordEpoch(db, runId, {
        epoch,
        trainLoss: 1 - epoch / 10,
        validationRmse: rmse + 0.1 / epoch,
        seconds: 0.1,
      });
    await finishRun(db, runId, {
      status: 'Succeeded',
      metrics: { rmse, ndcgAt10: 0.2 },
      finishedAt: new Date(Date.UTC(2025, 0, day, 1)),
    });
  }
  await recordPromotion(db, {
    model: 'test',
    runId: 'run-a',
    reason: 'first champion',
    metric: 'rmse',
    metricValue: 0.95,
    promotedAt: new Date(Date.UTC(2025, 0, 1, 2)),
  });
  await recordPromotion(db, {
    model: 'test',
    runId: 'run-b',
    previousRunId: 'run-a',
    reason: 'rmse 0.9 beats run-a (0.95) by 0.05',
    metric: 'rmse',
    metricValue: 0.9,
    previousMetricValue: 0.95,
    promotedAt: new Date(Date.UTC(2025, 0, 2, 2)),
  });
  await recordGateDecision(db, {
    model: 'test',
    runId: 'run-a',
    outcome: 'Promoted',
    reason: 'first champion',
    metric: 'rmse',
    metricValue: 0.95,
    decidedAt: new Date(Date.UTC(2025, 0, 1, 2)),
  });
  await recordGateDecision(db, {
    model: 'test',
    runId: 'run-b',
    outcome: 'Promoted',
    reason: 'rmse 0.9 beats run-a (0.95) by 0.05',
    metric: 'rmse',
    metricValue: 0.9,
    championRunId: 'run-a',
    championMetricValue: 0.95,
    decidedAt: new Date(Date.UTC(2025, 0, 2, 2)),
  });
  await recordGateDecision(db, {
    model: 'test',
    runId: 'run-a',
    outcome: 'Rejected',
    reason: 'rmse 0.95 is not better than champion run-b (0.9)',
    metric: 'rmse',
    metricValue: 0.95,
    championRunId: 'run-b',
    championMetricValue: 0.9,
    decidedAt: new Date(Date.UTC(2025, 0, 3)),
  });
  await insertRating(db, { userId: 1, movieId: 1, rating: 4, ratedAt: Date.UTC(2020, 0, 1) / 1000, batch: 1 });
  await insertRating(db, { userId: 2, movieId: 1, rating: 5, ratedAt: Date.UTC(2020, 1, 1) / 1000, batch: 2 });
}
