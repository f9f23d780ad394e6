/**
 * A search run's progress from its Indexed Job and the pods' termination messages, pure: each
 * finished trial with its values, state and objective, and the best of them, whose result becomes
 * the run's once the Job completed.
 */
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { bestTrial } from '../../storage/search-trials.ts';
import type { TrainingRunStatus } from '../api/resources.ts';
import { trainerContainer } from './job.ts';
import { type SearchSpec, trialCount } from './search-parameters.ts';
import { type ParsedMessage, parseTerminationMessage, type TrainerResult } from './termination-message.ts';

export type SearchStatus = NonNullable<TrainingRunStatus['search']>;
type TrialEntry = NonNullable<SearchStatus['trials']>[number];

export const completionIndexAnnotation = 'batch.kubernetes.io/job-completion-index';

/** Indexes in the Job's "1,3-5" notation (status.completedIndexes, status.failedIndexes). */
export function parseIndexes(text: string | undefined): number[] {
  if (!text) return [];
  return text.split(',').flatMap((part) => {
    const [from, to] = part.split('-').map(Number);
    if (from === undefined || !Number.isInteger(from)) return [];
    const last = to === undefined ? from : to;
    return Array.from({ length: last - from + 1 }, (_, k) => from + k);
  });
}

export interface SearchProgress {
  status: SearchStatus;
  /** The best trial's result as the run's, or why there is none. */
  best: ParsedMessage;
}

export function searchProgress(search: SearchSpec, job: V1Job, pods: readonly V1Pod[]): SearchProgress {
  const total = trialCount(search);
  const results = new Map<number, TrainerResult & { trial: NonNullable<TrainerResult['trial']> }>();
  for (const pod of pods) {
    if (pod.status?.phase !== 'Succeeded') continue;
    const index = Number(pod.metadata?.annotations?.[completionIndexAnnotation]);
    const message = pod.status.containerStatuses?.find((c) => c.name === trainerContainer)?.state?.terminated?.message;
    const parsed = parseTerminationMessage(message);
    if (Number.isInteger(index) && parsed.ok && parsed.result.trial?.index === index)
      results.set(index, { ...parsed.result, trial: parsed.result.trial });
  }
  const trials: TrialEntry[] = [...results.values()].map(({ trial }) => ({
    index: trial.index,
    state: trial.state,
    parameters: trial.parameters,
    ...(trial.value !== undefined ? { value: trial.value } : {}),
    ...(trial.stoppedAtEpoch !== undefined ? { stoppedAtEpoch: trial.stoppedAtEpoch } : {}),
  }));
  for (const index of parseIndexes(job.status?.failedIndexes))
    if (!results.has(index)) trials.push({ index, state: 'Failed', message: 'the trial pod failed; see its logs' });
  trials.sort((a, b) => a.index - b.index);

  const best = bestTrial(
    trials.filter((t) => t.state !== 'Failed'),
    search.objective.direction,
  );
  const status: SearchStatus = {
    total,
    finished: trials.length,
    progress: `${trials.length}/${total}`,
    ...(best ? { best: { index: best.index, value: best.value! } } : {}),
    trials,
  };
  const bestResult = best ? results.get(best.index) : undefined;
  return {
    status,
    best: bestResult
      ? { ok: true, result: bestResult }
      : { ok: false, problem: `no trial of ${total} measured ${search.objective.metric}` },
  };
}
