import type { Knex } from 'knex';
import type { z } from 'zod';
import type { Database } from './database.ts';
import type { SnapshotBound, RatingCounts } from './ratings-table.ts';
import type { epochMetrics, runArtifact, runMetrics, RUN_STATUSES, trainingRun } from './shapes.ts';
import { type StoredDatetime, toDate, toNumberOrNull } from './time-values.ts';

export type RunStatus = (typeof RUN_STATUSES)[number];
/** Figures of a run; those not given are left as they are. */
export type RunMetrics = Partial<z.output<typeof runMetrics>>;
export type RunArtifact = z.output<typeof runArtifact>;
export type TrainingRun = z.output<typeof trainingRun>;
export type EpochMetrics = z.output<typeof epochMetrics>;

export interface StartRun {
  /** Chosen by the caller: the TrainingRun's namespace/name, or a generated id for local runs. */
  runId: string;
  model: string;
  params: Record<string, unknown>;
  startedAt?: Date;
}

const METRIC_COLUMNS = {
  rmse: 'rmse',
  mae: 'mae',
  precisionAt10: 'precision_at_10',
  recallAt10: 'recall_at_10',
  ndcgAt10: 'ndcg_at_10',
  coverage: 'coverage',
  trainSeconds: 'train_seconds',
} as const satisfies Record<keyof RunMetrics, string>;

/** A training_runs row; BIGINT columns come back as strings from mysql2 past 2^53. */
type TrainingRunRow = Record<(typeof METRIC_COLUMNS)[keyof RunMetrics], number | null> &
  ArtifactColumns & {
    run_id: string;
    model: string;
    status: string;
    attempts: number;
    params: string;
    snapshot_max_rating_id: number | string | null;
    snapshot_up_to_batch: number | null;
    snapshot_rated_before: number | string | null;
    dataset_ratings: number | null;
    dataset_users: number | null;
    dataset_movies: number | null;
    ranking_model: string | null;
    message: string | null;
    started_at: StoredDatetime;
    finished_at: StoredDatetime | null;
  };
/** Written together by finishRun. */
type ArtifactColumns =
  | { artifact_uri: null; artifact_digest: null; artifact_size: null }
  | { artifact_uri: string; artifact_digest: string; artifact_size: number | string };

/**
 * Records that a run started. Starting the same run id again (a Job's pod retried) resets it
 * to Running, counts the attempt and forgets the failed attempt's epochs and results.
 */
export async function startRun(db: Database, run: StartRun): Promise<TrainingRun> {
  const startedAt = run.startedAt ?? new Date();
  await db.knex.transaction(async (trx) => {
    const existing = await trx('training_runs').where('run_id', run.runId).first('attempts');
    if (!existing) {
      await trx('training_runs').insert({
        run_id: run.runId,
        model: run.model,
        status: 'Running',
        attempts: 1,
        params: JSON.stringify(run.params),
        started_at: startedAt,
      });
      return;
    }
    await trx('epoch_metrics').where('run_id', run.runId).delete();
    await trx('training_runs')
      .where('run_id', run.runId)
      .update({
        ...clearedResults(),
        model: run.model,
        status: 'Running',
        attempts: Number(existing.attempts) + 1,
        params: JSON.stringify(run.params),
        started_at: startedAt,
      });
  });
  return (await getRun(db, run.runId))!;
}

function clearedResults(): Record<string, null> {
  const cleared: Record<string, null> = {
    snapshot_max_rating_id: null,
    snapshot_up_to_batch: null,
    snapshot_rated_before: null,
    dataset_ratings: null,
    dataset_users: null,
    dataset_movies: null,
    artifact_uri: null,
    artifact_digest: null,
    artifact_size: null,
    ranking_model: null,
    message: null,
    finished_at: null,
  };
  for (const column of Object.values(METRIC_COLUMNS)) cleared[column] = null;
  return cleared;
}

/** What the run read: the snapshot bound and its counts. */
export async function recordRunDataset(
  db: Database,
  runId: string,
  snapshot: SnapshotBound,
  counts: RatingCounts,
): Promise<void> {
  await updateRun(db.knex, runId, {
    snapshot_max_rating_id: snapshot.maxRatingId ?? null,
    snapshot_up_to_batch: snapshot.upToBatch ?? null,
    snapshot_rated_before: snapshot.ratedBefore ?? null,
    dataset_ratings: counts.ratings,
    dataset_users: counts.users,
    dataset_movies: counts.movies,
  });
}

/** One epoch's progress; recording the same epoch again overwrites it. */
export async function recordEpoch(db: Database, runId: string, epoch: EpochMetrics): Promise<void> {
  await db
    .knex('epoch_metrics')
    .insert({
      run_id: runId,
      epoch: epoch.epoch,
      train_loss: epoch.trainLoss,
      validation_rmse: epoch.validationRmse,
      seconds: epoch.seconds,
    })
    .onConflict(['run_id', 'epoch'])
    .merge(['train_loss', 'validation_rmse', 'seconds']);
}

export interface FinishRun {
  status: Exclude<RunStatus, 'Running'>;
  metrics?: RunMetrics;
  artifact?: RunArtifact | null;
  rankingModel?: string | null;
  /** Why it failed, or a note. */
  message?: string | null;
  finishedAt?: Date;
}

export async function finishRun(db: Database, runId: string, result: FinishRun): Promise<TrainingRun> {
  const values: Record<string, unknown> = {
    status: result.status,
    message: result.message ?? null,
    finished_at: result.finishedAt ?? new Date(),
  };
  for (const [key, column] of Object.entries(METRIC_COLUMNS)) {
    const value = result.metrics?.[key as keyof RunMetrics];
    if (value !== undefined) values[column] = value;
  }
  if (result.rankingModel) values.ranking_model = result.rankingModel;
  if (result.artifact) {
    values.artifact_uri = result.artifact.uri;
    values.artifact_digest = result.artifact.digest;
    values.artifact_size = result.artifact.sizeBytes;
  }
  await updateRun(db.knex, runId, values);
  return (await getRun(db, runId))!;
}

async function updateRun(knex: Knex, runId: string, values: Record<string, unknown>): Promise<void> {
  const changed = await knex('training_runs').where('run_id', runId).update(values);
  if (changed === 0) throw new Error(`no training run ${runId}`);
}

export async function getRun(db: Database, runId: string): Promise<TrainingRun | null> {
  const row = await db.knex('training_runs').where('run_id', runId).first();
  return row ? toRun(row) : null;
}

export interface ListRunsOptions {
  status?: RunStatus;
  limit?: number;
}

/** Runs of a model, newest first. */
export async function listRuns(db: Database, model: string, options: ListRunsOptions = {}): Promise<TrainingRun[]> {
  const query = db
    .knex('training_runs')
    .where('model', model)
    .orderBy([
      { column: 'started_at', order: 'desc' },
      { column: 'run_id', order: 'asc' },
    ]);
  if (options.status) query.where('status', options.status);
  if (options.limit !== undefined) query.limit(options.limit);
  return (await query).map(toRun);
}

export async function listEpochs(db: Database, runId: string): Promise<EpochMetrics[]> {
  const rows = await db.knex('epoch_metrics').where('run_id', runId).orderBy('epoch');
  return rows.map((row) => ({
    epoch: Number(row.epoch),
    trainLoss: Number(row.train_loss),
    validationRmse: toNumberOrNull(row.validation_rmse),
    seconds: Number(row.seconds),
  }));
}

function toRun(row: TrainingRunRow): TrainingRun {
  const metrics = {} as Required<RunMetrics>;
  for (const [key, column] of Object.entries(METRIC_COLUMNS))
    metrics[key as keyof RunMetrics] = toNumberOrNull(row[column]);
  const hasSnapshot =
    row.snapshot_max_rating_id !== null || row.snapshot_up_to_batch !== null || row.snapshot_rated_before !== null;
  const snapshot: SnapshotBound = {};
  if (row.snapshot_max_rating_id !== null) snapshot.maxRatingId = Number(row.snapshot_max_rating_id);
  if (row.snapshot_up_to_batch !== null) snapshot.upToBatch = Number(row.snapshot_up_to_batch);
  if (row.snapshot_rated_before !== null) snapshot.ratedBefore = Number(row.snapshot_rated_before);
  return {
    runId: row.run_id,
    model: row.model,
    status: row.status as RunStatus,
    attempts: Number(row.attempts),
    params: JSON.parse(row.params) as Record<string, unknown>,
    snapshot: hasSnapshot ? snapshot : null,
    dataset:
      row.dataset_ratings === null
        ? null
        : {
            ratings: Number(row.dataset_ratings),
            users: Number(row.dataset_users),
            movies: Number(row.dataset_movies),
          },
    metrics,
    artifact:
      row.artifact_uri === null
        ? null
        : { uri: row.artifact_uri, digest: row.artifact_digest, sizeBytes: Number(row.artifact_size) },
    rankingModel: row.ranking_model ?? null,
    message: row.message ?? null,
    startedAt: toDate(row.started_at)!,
    finishedAt: toDate(row.finished_at),
  };
}
