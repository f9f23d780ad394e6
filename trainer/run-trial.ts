/**
 * One trial of a hyperparameter search: a training run of its own under the search run's id, which
 * the median stopping rule may end early against the curves of the trials recorded before it
 * started, then recorded with the values it tried and its objective on the validation slice.
 */
import type { ValidationSummary } from '../model/train.ts';
import type { SearchSpec, TrialParameters } from '../operator/trainingrun/search-parameters.ts';
import { stopsByMedian } from '../operator/trainingrun/search-median.ts';
import { recordTrial, trialCurves, trialRunId, type TrialState } from '../storage/search-trials.ts';
import { runTraining, type TrainingJob, type TrainingResult } from './run-training.ts';

export interface TrialJob extends Omit<TrainingJob, 'runId' | 'stopFit'> {
  searchRunId: string;
  index: number;
  search: SearchSpec;
  /** trialParameters(search, seed, index), already applied to config. */
  parameters: TrialParameters;
}

export interface TrialOutcome {
  index: number;
  state: Exclude<TrialState, 'Failed'>;
  parameters: TrialParameters;
  /** The objective on the validation slice; absent when the trial measured none. */
  value?: number;
  stoppedAtEpoch?: number;
}

export type TrialResult = TrainingResult & { trial: TrialOutcome };

/** The search's objective among what the validation slice measured. */
export function objectiveValue(
  metric: SearchSpec['objective']['metric'],
  validation: ValidationSummary | undefined,
): number | undefined {
  const value = metric === 'validationNdcgAt10' ? validation?.rankingNdcgAt10 : validation?.blendRmse;
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

export async function runTrial(job: TrialJob): Promise<TrialResult> {
  const { db, log, search, index, parameters } = job;
  const runId = trialRunId(job.searchRunId, index);
  const stopping = search.earlyStopping;
  const rule = stopping ? { minEpochs: stopping.minEpochs ?? 5, minTrials: stopping.minTrials ?? 2 } : undefined;
  const others = rule ? [...(await trialCurves(db, job.searchRunId, index)).values()] : [];
  log.info('trial starts', { index, parameters, trialsToCompare: others.length });
  let stoppedAtEpoch: number | undefined;
  const stopFit = rule
    ? ({ epoch, validationRmse }: { epoch: number; validationRmse?: number }) => {
        if (validationRmse === undefined || !stopsByMedian(epoch, validationRmse, others, rule)) return false;
        stoppedAtEpoch = epoch;
        log.info('trial stopped by the median rule', { index, epoch, validationRmse });
        return true;
      }
    : undefined;
  const record = (state: TrialState, value: number | null) =>
    recordTrial(db, {
      runId,
      searchRunId: job.searchRunId,
      index,
      state,
      parameters: { ...parameters } as Record<string, number | string>,
      objectiveValue: value,
      stoppedAtEpoch: stoppedAtEpoch ?? null,
      objective: search.objective,
    });

  let result: TrainingResult;
  try {
    result = await runTraining({ ...job, runId, ...(stopFit ? { stopFit } : {}) });
  } catch (error) {
    await record('Failed', null).catch((recordError: unknown) =>
      log.error('could not record the failed trial', { error: (recordError as Error).message }),
    );
    throw error;
  }
  const value = objectiveValue(search.objective.metric, result.validation);
  const state = stoppedAtEpoch === undefined ? 'Succeeded' : 'Stopped';
  await record(state, value ?? null);
  return {
    ...result,
    trial: {
      index,
      state,
      parameters,
      ...(value !== undefined ? { value } : {}),
      ...(stoppedAtEpoch !== undefined ? { stoppedAtEpoch } : {}),
    },
  };
}
