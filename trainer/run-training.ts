import type { Logger } from '../common/log.ts';
import { encodeArtifact } from '../model/artifact.ts';
import { evaluateRecommender, type Evaluation } from '../model/evaluate.ts';
import { randomSplit } from '../model/split.ts';
import { trainRecommender, type TrainConfig, type ValidationSummary } from '../model/train.ts';
import type { EpochReport } from '../model/train-factors.ts';
import { writeArtifact, type StoredArtifact } from '../storage/artifact-store.ts';
import type { Database } from '../storage/database.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { readRatingsSnapshot } from '../storage/ratings-snapshot.ts';
import type { SnapshotBound } from '../storage/ratings-table.ts';
import { finishRun, recordEpoch, recordRunDataset, startRun } from '../storage/training-runs.ts';

export interface TrainingJob {
  db: Database;
  store: ObjectStore;
  model: string;
  runId: string;
  bound: SnapshotBound;
  config: TrainConfig;
  /** Share of the snapshot held out to measure the trained model. */
  testFraction: number;
  log: Logger;
  /** Asked after every epoch of the fit on the validation slice: true ends that fit there (a search trial). */
  stopFit?: (report: EpochReport) => boolean;
}

/** What the trainer reports: in MySQL, on stdout, and in the pod's termination message. */
export interface TrainingResult {
  runId: string;
  model: string;
  phase: 'Succeeded';
  dataset: { ratings: number; users: number; movies: number; maxRatingId: number };
  metrics: Evaluation & { trainSeconds: number };
  artifact: StoredArtifact;
  chosenEpochs: number;
  /** What the validation slice measured (absent without one). */
  validation?: ValidationSummary;
}

/**
 * One training run, start to finish: snapshot the ratings, hold out a test split, train, measure,
 * write the artifact (manifest last), then record the run as Succeeded. Any failure marks the run
 * Failed with its reason before rethrowing, so a run never stays Running without a process.
 */
export async function runTraining(job: TrainingJob): Promise<TrainingResult> {
  const { db, log } = job;
  await startRun(db, { runId: job.runId, model: job.model, params: { ...job.config, testFraction: job.testFraction } });
  try {
    const snapshot = await readRatingsSnapshot(db, job.bound, {
      onProgress: (rows) => log.info('ratings loaded', { rows }),
    });
    await recordRunDataset(db, job.runId, snapshot.bound, snapshot.counts);
    log.info('snapshot read', { ...snapshot.counts, bound: snapshot.bound });
    if (snapshot.ratings.length < 2)
      throw new Error(`the snapshot holds ${snapshot.ratings.length} ratings: nothing to train on`);
    const { train, test } = randomSplit(snapshot.ratings, job.testFraction, job.config.seed);
    const epochWrites: Promise<void>[] = [];
    const result = await trainRecommender(
      train,
      job.config,
      (event) => {
        if (event.kind === 'epoch') {
          const { epoch, phase, trainRmse, validationRmse, seconds } = event.report;
          const maxEpochs = phase === 'fit' ? job.config.factors.epochs : undefined;
          log.info('epoch', { ...event.report, maxEpochs });
          // The search phase carries the validation curve; without one, the only phase is the refit.
          const curvePhase = job.config.validationFraction > 0 ? 'fit' : 'refit';
          if (phase === curvePhase) {
            epochWrites.push(
              recordEpoch(db, job.runId, {
                epoch,
                trainLoss: trainRmse,
                validationRmse: validationRmse ?? null,
                seconds,
              }),
            );
          }
        } else {
          log.info('stage done', { stage: event.stage, seconds: event.seconds, ...event.detail });
        }
      },
      job.stopFit,
    );
    await Promise.all(epochWrites);
    const evaluation = evaluateRecommender(result.model, test);
    const metrics = { ...evaluation, trainSeconds: result.seconds };
    log.info('evaluated', {
      rmse: metrics.rmse,
      mae: metrics.mae,
      ndcgAt10: metrics.ndcgAt10,
      precisionAt10: metrics.precisionAt10,
    });
    const encoded = encodeArtifact(result.model, {
      model: job.model,
      run: job.runId,
      metrics: numericFields(metrics),
      training: {
        chosenEpochs: result.chosenEpochs,
        stageSeconds: result.stageSeconds,
        validation: result.validation ?? null,
      },
      dataSnapshot: { ...snapshot.bound, ...snapshot.counts, trainRatings: train.length, testRatings: test.length },
    });
    const artifact = await writeArtifact(job.store, `${job.model}/${job.runId}`, encoded);
    log.info('artifact written', { ...artifact });
    await finishRun(db, job.runId, {
      status: 'Succeeded',
      metrics: {
        rmse: metrics.rmse,
        mae: metrics.mae,
        precisionAt10: metrics.precisionAt10,
        recallAt10: metrics.recallAt10,
        ndcgAt10: metrics.ndcgAt10,
        coverage: metrics.coverage,
        trainSeconds: metrics.trainSeconds,
      },
      rankingModel: evaluation.rankingModel,
      artifact,
    });
    return {
      runId: job.runId,
      model: job.model,
      phase: 'Succeeded',
      dataset: { ...snapshot.counts, maxRatingId: snapshot.bound.maxRatingId },
      metrics,
      artifact,
      chosenEpochs: result.chosenEpochs,
      ...(result.validation ? { validation: result.validation } : {}),
    };
  } catch (error) {
    const message = (error as Error).message;
    log.error('training failed', { error: message });
    await finishRun(db, job.runId, { status: 'Failed', message }).catch((recordError: unknown) =>
      log.error('could not record the failure', { error: (recordError as Error).message }),
    );
    throw error;
  }
}

function numericFields(record: object): Record<string, number> {
  return Object.fromEntries(
    Object.entries(record).filter(([, value]) => typeof value === 'number' && Number.isFinite(value)),
  );
}
