/**
 * The TrainingRun state machine, pure: from the run, its Job and the Job's pods (and the clock) to
 * the Job that should exist, the next status and the Events worth telling a person.
 *
 *   (no Job) ──create──> Pending ──Job started──> Running ──Job Complete + result──> Succeeded
 *                         │                               └─Job Failed / no result──> Failed
 *                         └─pod cannot start for good (image)──> Failed
 *
 * A pod that cannot start yet (unschedulable, missing Secret, image pull retrying) keeps the run
 * Pending with the pod's reason on the Succeeded condition and a Warning event.
 * Succeeded and Failed are final: a run is a record, so a finished run never gets a new Job.
 */
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { TrainingRun, TrainingRunPhase, TrainingRunStatus } from '../api/resources.ts';
import { findCondition, setCondition } from '../kit/conditions.ts';
import { controllerOf } from '../kit/owner.ts';
import { podProblem } from '../kit/pod-problems.ts';
import { desiredJob, jobNameFor, runIdFor, trainerContainer, type TrainerSettings } from './job.ts';
import { searchProgress } from './search-status.ts';
import { parseTerminationMessage, type TrainerResult } from './termination-message.ts';

export interface RunEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface TrainingRunInputs {
  run: TrainingRun;
  /** The Job named jobNameFor(run), if it exists. */
  job: V1Job | undefined;
  /** Pods of that Job. */
  pods: readonly V1Pod[];
  /** The trainer's run record (MySQL), read once the Job finished; used when the termination message is unusable. */
  runRecord?: TrainerResult | undefined;
  now: Date;
  settings: TrainerSettings;
}

export interface TrainingRunDecision {
  /** The Job to create when it does not exist yet; undefined when none should be created. */
  createJob: V1Job | undefined;
  status: TrainingRunStatus;
  events: RunEvent[];
}

export const conditionTypes = { jobCreated: 'JobCreated', succeeded: 'Succeeded' } as const;

const isFinal = (phase: TrainingRunPhase | undefined) => phase === 'Succeeded' || phase === 'Failed';

function jobCondition(job: V1Job, type: 'Complete' | 'Failed') {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

/** The termination message of the trainer container of the most recently finished pod. */
function latestTerminationMessage(pods: readonly V1Pod[]): string | undefined {
  const finished = pods
    .map((pod) => pod.status?.containerStatuses?.find((c) => c.name === trainerContainer)?.state?.terminated)
    .filter((state) => state !== undefined)
    .sort((a, b) => new Date(b.finishedAt ?? 0).getTime() - new Date(a.finishedAt ?? 0).getTime());
  return finished[0]?.message;
}

export function decideTrainingRun(inputs: TrainingRunInputs): TrainingRunDecision {
  const { run, job, pods, now, settings } = inputs;
  const previous = run.status ?? {};
  const generation = run.metadata.generation;
  const base: TrainingRunStatus = {
    ...previous,
    observedGeneration: generation,
    // A finished search's records are its best trial's (set below), kept once final.
    runId: isFinal(previous.phase) && previous.runId ? previous.runId : runIdFor(run),
    jobName: jobNameFor(run),
  };
  const withConditions = (
    status: TrainingRunStatus,
    updates: Parameters<typeof setCondition>[1][],
  ): TrainingRunStatus => ({
    ...status,
    conditions: updates.reduce(
      (conditions, update) => setCondition(conditions, update, generation, now),
      status.conditions,
    ),
  });

  if (isFinal(previous.phase)) return { createJob: undefined, status: base, events: [] };

  if (!job) {
    const status = withConditions({ ...base, phase: 'Pending', message: `trainer Job ${jobNameFor(run)} created` }, [
      { type: conditionTypes.jobCreated, status: 'True', reason: 'Created', message: `Job ${jobNameFor(run)} created` },
      {
        type: conditionTypes.succeeded,
        status: 'Unknown',
        reason: 'Pending',
        message: 'waiting for the trainer to start',
      },
    ]);
    return {
      createJob: desiredJob(run, settings),
      status,
      events: [{ type: 'Normal', reason: 'JobCreated', message: `Created trainer Job ${jobNameFor(run)}` }],
    };
  }

  if (controllerOf(job.metadata)?.uid !== run.metadata.uid) {
    const jobName = jobNameFor(run);
    const message = `Job ${jobName} exists but is not controlled by this TrainingRun; delete it or use another name`;
    const status = withConditions({ ...base, phase: 'Failed', message }, [
      { type: conditionTypes.jobCreated, status: 'False', reason: 'JobNameConflict', message },
      { type: conditionTypes.succeeded, status: 'False', reason: 'JobNameConflict', message },
    ]);
    return { createJob: undefined, status, events: [{ type: 'Warning', reason: 'JobNameConflict', message }] };
  }

  const search = run.spec.search ? searchProgress(run.spec.search, job, pods) : undefined;
  if (search) base.search = search.status;

  const timestamps = {
    ...(job.status?.startTime ? { startTime: new Date(job.status.startTime).toISOString() } : {}),
  };
  // A search whose failed trials (FailedIndexes) left others measured ends with the best of those.
  const trialsFailed = search?.best.ok ? jobCondition(job, 'Failed') : undefined;
  const completed =
    jobCondition(job, 'Complete') ?? (trialsFailed?.reason === 'FailedIndexes' ? trialsFailed : undefined);
  const failed = completed ? undefined : jobCondition(job, 'Failed');

  if (completed || failed) {
    const finishedAt = job.status?.completionTime ?? completed?.lastTransitionTime ?? failed?.lastTransitionTime;
    const finished = { ...base, ...timestamps, completionTime: new Date(finishedAt ?? now).toISOString() };
    // A search's result is its best trial's.
    const fromMessage = search ? search.best : parseTerminationMessage(latestTerminationMessage(pods));
    // The message can be lost (evicted pod, node gone); the record the trainer wrote is the fallback.
    const parsed = !fromMessage.ok && inputs.runRecord ? { ok: true as const, result: inputs.runRecord } : fromMessage;
    if (
      completed &&
      parsed.ok &&
      parsed.result.phase === 'Succeeded' &&
      parsed.result.metrics &&
      parsed.result.artifact
    ) {
      const { dataset, metrics, artifact, rankingModel } = parsed.result;
      // A search has no record of its own: its result is the best trial's, which promotions name.
      const runId = search ? parsed.result.runId : finished.runId;
      const scores = `rmse ${metrics.rmse.toFixed(4)}, ndcg@10 ${metrics.ndcgAt10.toFixed(4)}`;
      const bestOf = search ? `trial ${search.status.best?.index} best of ${search.status.total}: ` : '';
      const message = `${bestOf}${scores}, artifact ${artifact.digest}`;
      const status = withConditions(
        {
          ...finished,
          ...(runId ? { runId } : {}),
          phase: 'Succeeded',
          message,
          ...(dataset ? { dataset } : {}),
          metrics,
          ...(rankingModel ? { rankingModel } : {}),
          artifact,
        },
        [{ type: conditionTypes.succeeded, status: 'True', reason: 'TrainingSucceeded', message }],
      );
      return { createJob: undefined, status, events: [{ type: 'Normal', reason: 'TrainingSucceeded', message }] };
    }
    const { reason, message } = failureOf(completed !== undefined, failed, parsed, pods, now);
    const status = withConditions({ ...finished, phase: 'Failed', message }, [
      { type: conditionTypes.succeeded, status: 'False', reason, message },
    ]);
    return { createJob: undefined, status, events: [{ type: 'Warning', reason, message }] };
  }

  const jobCreated = {
    type: conditionTypes.jobCreated,
    status: 'True' as const,
    reason: 'Created',
    message: `Job ${jobNameFor(run)} created`,
  };
  const problem = podProblem(pods, now);
  if (problem) {
    const { reason, message } = problem;
    const told = findCondition(previous.conditions, conditionTypes.succeeded)?.reason === reason;
    const events: RunEvent[] = told ? [] : [{ type: 'Warning', reason, message }];
    if (problem.permanent) {
      const status = withConditions(
        { ...base, ...timestamps, phase: 'Failed', message, completionTime: now.toISOString() },
        [jobCreated, { type: conditionTypes.succeeded, status: 'False', reason, message }],
      );
      return { createJob: undefined, status, events };
    }
    const status = withConditions({ ...base, ...timestamps, phase: 'Pending', message }, [
      jobCreated,
      { type: conditionTypes.succeeded, status: 'Unknown', reason, message },
    ]);
    return { createJob: undefined, status, events };
  }

  const started = (job.status?.active ?? 0) > 0 || job.status?.startTime !== undefined;
  const phase: TrainingRunPhase = started ? 'Running' : 'Pending';
  const running = search ? `${search.status.progress} trials finished` : 'the trainer is running';
  const message = started ? running : 'waiting for the trainer to start';
  const status = withConditions({ ...base, ...timestamps, phase, message }, [
    jobCreated,
    { type: conditionTypes.succeeded, status: 'Unknown', reason: phase, message },
  ]);
  const events: RunEvent[] =
    phase === 'Running' && previous.phase !== 'Running'
      ? [{ type: 'Normal', reason: 'Started', message: `Trainer Job ${jobNameFor(run)} started` }]
      : [];
  return { createJob: undefined, status, events };
}

/** Why a run failed, in the words most useful to a person: the trainer's own reason first. */
function failureOf(
  jobCompleted: boolean,
  failed: { reason?: string; message?: string } | undefined,
  parsed: ReturnType<typeof parseTerminationMessage>,
  pods: readonly V1Pod[],
  now: Date,
): { reason: string; message: string } {
  if (parsed.ok && parsed.result.phase === 'Failed')
    return {
      reason: 'TrainerFailed',
      message: parsed.result.reason ?? 'the trainer reported failure without a reason',
    };
  if (jobCompleted)
    return {
      reason: 'ResultMissing',
      message: `the trainer Job completed but ${parsed.ok ? 'its result lacks metrics or artifact' : parsed.problem}`,
    };
  // The Job says BackoffLimitExceeded; the pods say why each attempt died.
  const fromPods = podProblem(pods, now);
  if (fromPods?.reason === 'OOMKilled') return fromPods;
  const jobReason = failed?.reason ?? 'JobFailed';
  const detail = failed?.message ?? 'the trainer Job failed';
  return { reason: jobReason, message: parsed.ok ? detail : `${detail} (${parsed.problem})` };
}

/** The status when creating the Job failed: the run says why instead of staying silent. */
export function jobCreateFailed(
  run: TrainingRun,
  error: string,
  now: Date,
): { status: TrainingRunStatus; event: RunEvent } {
  const message = `creating Job ${jobNameFor(run)} failed: ${error}`;
  const generation = run.metadata.generation;
  const conditions = setCondition(
    run.status?.conditions,
    { type: conditionTypes.jobCreated, status: 'False', reason: 'JobCreateFailed', message },
    generation,
    now,
  );
  return {
    status: {
      ...run.status,
      observedGeneration: generation,
      phase: 'Pending',
      message,
      jobName: jobNameFor(run),
      runId: runIdFor(run),
      conditions,
    },
    event: { type: 'Warning', reason: 'JobCreateFailed', message },
  };
}
