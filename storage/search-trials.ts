/**
 * The trials of a hyperparameter search (migration 005). A trial is recorded once it ended; its
 * epochs are those of its own training run, which the median stopping rule reads.
 */
import { getOrInsert } from '../common/get-or-insert.ts';
import type { Database } from './database.ts';
import { toNumberOrNull } from './time-values.ts';

export const TRIAL_STATES = ['Succeeded', 'Stopped', 'Failed'] as const;
export type TrialState = (typeof TRIAL_STATES)[number];

export interface SearchTrial {
  /** The trial's own training run (training_runs.run_id). */
  runId: string;
  searchRunId: string;
  index: number;
  state: TrialState;
  parameters: Record<string, number | string>;
  /** The search's objective on the validation slice; null when the trial measured none. */
  objectiveValue: number | null;
  /** The last epoch a trial Stopped by the median rule trained. */
  stoppedAtEpoch: number | null;
}

/** The id of trial `index` of the search run `searchRunId`: its records and artifact sit under the run's. */
export function trialRunId(searchRunId: string, index: number): string {
  return `${searchRunId}/trial-${index}`;
}

/** Records how a trial ended; its training run must exist. A retried trial's record is replaced. */
export async function recordTrial(db: Database, trial: SearchTrial): Promise<void> {
  await db
    .knex('search_trials')
    .insert({
      run_id: trial.runId,
      search_run_id: trial.searchRunId,
      trial_index: trial.index,
      state: trial.state,
      parameters: JSON.stringify(trial.parameters),
      objective_value: trial.objectiveValue,
      stopped_at_epoch: trial.stoppedAtEpoch,
    })
    .onConflict('run_id')
    .merge(['state', 'parameters', 'objective_value', 'stopped_at_epoch']);
}

/** The search's recorded trials, by index. */
export async function listTrials(db: Database, searchRunId: string): Promise<SearchTrial[]> {
  const rows = await db.knex('search_trials').where('search_run_id', searchRunId).orderBy('trial_index');
  return rows.map((row) => ({
    runId: row.run_id,
    searchRunId: row.search_run_id,
    index: Number(row.trial_index),
    state: row.state as TrialState,
    parameters: JSON.parse(row.parameters) as Record<string, number | string>,
    objectiveValue: toNumberOrNull(row.objective_value),
    stoppedAtEpoch: row.stopped_at_epoch === null ? null : Number(row.stopped_at_epoch),
  }));
}

/** Validation RMSE by epoch of each recorded trial of the search but `exceptIndex`. */
export async function trialCurves(
  db: Database,
  searchRunId: string,
  exceptIndex: number,
): Promise<Map<number, Map<number, number>>> {
  const rows = await db
    .knex('search_trials as t')
    .join('epoch_metrics as e', 'e.run_id', 't.run_id')
    .where('t.search_run_id', searchRunId)
    .whereNot('t.trial_index', exceptIndex)
    .whereNotNull('e.validation_rmse')
    .select('t.trial_index', 'e.epoch', 'e.validation_rmse');
  const curves = new Map<number, Map<number, number>>();
  for (const row of rows) {
    getOrInsert(curves, Number(row.trial_index), () => new Map()).set(Number(row.epoch), Number(row.validation_rmse));
  }
  return curves;
}
