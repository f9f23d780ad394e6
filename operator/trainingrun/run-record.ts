/** The trainer's MySQL run record in the shape of its termination message, for decideTrainingRun. */
import type { TrainingRun as RunRecord } from '../../storage/training-runs.ts';
import type { TrainerResult } from './termination-message.ts';

export function resultFromRecord(record: RunRecord | null): TrainerResult | undefined {
  if (!record || record.status === 'Running') return undefined;
  const m = record.metrics;
  const complete = [m.rmse, m.mae, m.precisionAt10, m.recallAt10, m.ndcgAt10, m.coverage, m.trainSeconds].every(
    (v) => typeof v === 'number',
  );
  return {
    runId: record.runId,
    model: record.model,
    phase: record.status,
    ...(record.message ? { reason: record.message } : {}),
    ...(record.dataset ? { dataset: record.dataset } : {}),
    ...(complete
      ? {
          metrics: {
            rmse: m.rmse!,
            mae: m.mae!,
            precisionAt10: m.precisionAt10!,
            recallAt10: m.recallAt10!,
            ndcgAt10: m.ndcgAt10!,
            coverage: m.coverage!,
            trainSeconds: m.trainSeconds!,
          },
        }
      : {}),
    ...(record.rankingModel ? { rankingModel: record.rankingModel } : {}),
    ...(record.artifact ? { artifact: record.artifact } : {}),
  };
}
