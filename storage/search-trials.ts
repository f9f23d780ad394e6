/**
 * The trials of a hyperparameter search (migration 005). A trial is recorded once it ended; its
 * epochs are those of its own training run, which the median stopping rule reads.
 */
import type { z } from 'zod';
import { getOrInsert } from '../common/get-or-insert.ts';
import type { Database } from './database.ts';
import type { hyperparameterSearch, OBJECTIVE_DIRECTIONS, searchObjective, TRIAL_STATES } from './shapes.ts';
import { toDate, toNumberOrNull } from './time-values.ts';

export type TrialState = (typeof TRIAL_STATES)[number];
export type ObjectiveDirection = (typeof OBJECTIVE_DIRECTIONS)[number];
export type SearchObjective = z.output<typeof searchObjective>;
export type HyperparameterSearch = z.output<typeof hyperparameterSearch>;

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
  /** What the search measures; null for trials recorded before migration 006. */
  objective: SearchObjective | null;
}

/** The best trial by the objective: the highest or lowest value, the lowest index among equals. */
export function bestTrial<T extends { index: number; value?: number | undefined }>(
  trials: readonly T[],
  direction: ObjectiveDirection,
): T | undefined {
  let best: T | undefined;
  for (const trial of trials) {
    if (trial.value === undefined || !Number.isFinite(trial.value)) continue;
    const better =
      best === undefined ||
      (direction === 'maximize' ? trial.value > best.value! : trial.value < best.value!) ||
      (trial.value === best.value && trial.index < best.index);
    if (better) best = trial;
  }
  return best;
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
      objective_metric: trial.objective?.metric ?? null,
      objective_direction: trial.objective?.direction ?? null,
    })
    .onConflict('run_id')
    .merge(['state', 'parameters', 'objective_value', 'stopped_at_epoch', 'objective_metric', 'objective_direction']);
}

/** The search's recorded trials, by index. */
export async function listTrials(db: Database, searchRunId: string): Promise<SearchTrial[]> {
  const rows = await db.knex('search_trials').where('search_run_id', searchRunId).orderBy('trial_index');
  return rows.map(trialOf);
}

function trialOf(row: Record<string, unknown>): SearchTrial {
  return {
    runId: row.run_id as string,
    searchRunId: row.search_run_id as string,
    index: Number(row.trial_index),
    state: row.state as TrialState,
    parameters: JSON.parse(row.parameters as string) as Record<string, number | string>,
    objectiveValue: toNumberOrNull(row.objective_value as number | null),
    stoppedAtEpoch: row.stopped_at_epoch === null ? null : Number(row.stopped_at_epoch),
    objective: row.objective_metric
      ? { metric: row.objective_metric as string, direction: row.objective_direction as ObjectiveDirection }
      : null,
  };
}

/** The model's latest searches (by their first trial's start), each with its recorded trials and its best. */
export async function listSearches(db: Database, model: string, limit = 20): Promise<HyperparameterSearch[]> {
  const trialsOfModel = () =>
    db.knex('search_trials as t').join('training_runs as r', 'r.run_id', 't.run_id').where('r.model', model);
  const latest = (await trialsOfModel()
    .select('t.search_run_id')
    .min({ started: 'r.started_at' })
    .groupBy('t.search_run_id')
    .orderBy([
      { column: 'started', order: 'desc' },
      { column: 't.search_run_id', order: 'asc' },
    ])
    .limit(limit)) as { search_run_id: string; started: Date | number | string }[];
  if (latest.length === 0) return [];
  const rows = await trialsOfModel()
    .whereIn(
      't.search_run_id',
      latest.map((row) => row.search_run_id),
    )
    .select('t.*')
    .orderBy('t.trial_index');
  const trials = new Map<string, SearchTrial[]>();
  for (const row of rows) getOrInsert(trials, row.search_run_id as string, () => []).push(trialOf(row));
  return latest.map((row) => {
    const recorded = trials.get(row.search_run_id) ?? [];
    const objective = recorded.find((trial) => trial.objective)?.objective ?? null;
    const measured = recorded
      .filter((trial) => trial.state !== 'Failed' && trial.objectiveValue !== null)
      .map((trial) => ({ index: trial.index, value: trial.objectiveValue! }));
    const best = objective ? bestTrial(measured, objective.direction) : undefined;
    return {
      searchRunId: row.search_run_id,
      objective,
      best: best?.index ?? null,
      trials: recorded.map(({ index, runId, state, parameters, objectiveValue, stoppedAtEpoch }) => ({
        index,
        runId,
        state,
        parameters,
        objectiveValue,
        stoppedAtEpoch,
      })),
      startedAt: toDate(row.started)!,
    };
  });
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
