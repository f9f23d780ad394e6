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
  return `${trialPrefix(searchRunId)}${index}`;
}

const trialPrefix = (searchRunId: string) => `${searchRunId}/trial-`;

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

/**
 * Deletes the records of a search's trials (their training runs, epochs and trial rows) but the
 * kept one's; a trial that a promotion or gate decision names stays too. Trials are matched by the
 * prefix `<searchRunId>/trial-` of their run ids, so run `a` never touches run `ab`'s. Returns the
 * run ids deleted.
 */
export async function deleteTrialRecords(db: Database, searchRunId: string, keep: { index?: number } = {}) {
  const kept = keep.index === undefined ? [] : [trialRunId(searchRunId, keep.index)];
  return db.knex.transaction(async (trx) => {
    const named = (table: string, column: string) => trx(table).whereNotNull(column).select(column);
    const runIds: string[] = (
      await trx('training_runs')
        .whereRaw("run_id like ? escape '!'", [`${trialPrefix(searchRunId).replace(/[!%_]/g, (c) => `!${c}`)}%`])
        .whereNotIn('run_id', kept)
        .whereNotIn('run_id', named('promotions', 'run_id'))
        .whereNotIn('run_id', named('promotions', 'previous_run_id'))
        .whereNotIn('run_id', named('gate_decisions', 'run_id'))
        .whereNotIn('run_id', named('gate_decisions', 'champion_run_id'))
        .select('run_id')
    ).map((row: { run_id: string }) => row.run_id);
    // Not left to ON DELETE CASCADE: SQLite enforces foreign keys only where they are switched on.
    if (runIds.length > 0) {
      await trx('search_trials').whereIn('run_id', runIds).delete();
      await trx('epoch_metrics').whereIn('run_id', runIds).delete();
      await trx('training_runs').whereIn('run_id', runIds).delete();
    }
    return runIds;
  });
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
