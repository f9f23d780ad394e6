/**
 * The thin shell around decideTrainingRun: read the run, its Job and pods (from the caches);
 * create; write status; tell.
 */
import { isDeepStrictEqual } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import type { Logger } from '../../common/log.ts';
import { trainingRuns, type TrainingRun } from '../api/resources.ts';
import { apiMessage, isStatus } from '../kit/api-errors.ts';
import type { Reconciler } from '../kit/controller.ts';
import type { EventRecorder } from '../kit/events.ts';
import type { OperatorMetrics } from '../kit/metrics.ts';
import { splitKey } from '../kit/informer.ts';
import { patchStatus } from '../kit/status-writer.ts';
import type { ArtifactFinalizer } from './artifact-finalizer.ts';
import { decideTrainingRun, jobCreateFailed, type TrainingRunDecision } from './decide.ts';
import { jobNameFor, runIdFor, type TrainerSettings } from './job.ts';
import type { TrainerResult } from './termination-message.ts';

export interface Cache<T> {
  get(name: string, namespace?: string): T | undefined;
}

export interface ListCache<T> extends Cache<T> {
  list(namespace?: string): readonly T[];
}

export interface TrainingRunReconcilerDeps {
  kc: k8s.KubeConfig;
  runs: Cache<TrainingRun>;
  jobs: Cache<k8s.V1Job>;
  /** The operator's pods (trainer and inference), by informer. */
  pods: ListCache<k8s.V1Pod>;
  settings: TrainerSettings;
  events: EventRecorder;
  log: Logger;
  /** Reads the trainer's run record (MySQL, the run's own backend) by run id; optional. */
  readRunRecord?: (runId: string, run: TrainingRun) => Promise<TrainerResult | undefined>;
  metrics?: OperatorMetrics;
  /** The artifacts finalizer: deletes a deleted run's objects from its backend's store; optional. */
  artifacts?: Pick<ArtifactFinalizer, 'ensure' | 'finalize'>;
  now?: () => Date;
}

const jobNameLabel = 'batch.kubernetes.io/job-name';

export function trainingRunReconciler(deps: TrainingRunReconcilerDeps): Reconciler {
  const batch = deps.kc.makeApiClient(k8s.BatchV1Api);
  const core = deps.kc.makeApiClient(k8s.CoreV1Api);
  const objects = deps.kc.makeApiClient(k8s.CustomObjectsApi);
  const now = deps.now ?? (() => new Date());

  return async (key) => {
    const { namespace, name } = splitKey(key);
    const cached = deps.runs.get(name, namespace);
    if (!cached) return;
    if (cached.metadata.deletionTimestamp) return deps.artifacts?.finalize(cached);
    const run = deps.artifacts ? await deps.artifacts.ensure(cached) : cached;
    if (!run) return { requeueAfterMs: 20 };
    const log = deps.log.child({ trainingRun: key });

    let job = deps.jobs.get(jobNameFor(run), namespace);
    const finished = job?.status?.conditions?.some(
      (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
    );
    // A finished Job's pods are read fresh: the termination message must not be missed by a cache
    // that has not seen the pod's last update yet. An active Job's come from the cache, on every pod change.
    const selector = `${jobNameLabel}=${jobNameFor(run)}`;
    const pods = finished
      ? (await core.listNamespacedPod({ namespace, labelSelector: selector })).items
      : job
        ? deps.pods.list(namespace).filter((pod) => pod.metadata?.labels?.[jobNameLabel] === jobNameFor(run))
        : [];
    const runRecord =
      finished && deps.readRunRecord
        ? await deps
            .readRunRecord(runIdFor(run), run)
            .catch((error: unknown) => void log.warn('could not read the run record', { error }))
        : undefined;
    const decide = (current: k8s.V1Job | undefined) =>
      decideTrainingRun({
        run,
        job: current,
        pods,
        runRecord: runRecord ?? undefined,
        now: now(),
        settings: deps.settings,
      });
    let decision: TrainingRunDecision = decide(job);

    const events = [...decision.events];
    if (decision.createJob) {
      try {
        job = await batch.createNamespacedJob({ namespace, body: decision.createJob });
        log.info('created trainer job', { job: job.metadata?.name });
        // Told at once: if the status write below loses a race, the next pass will not create again.
        for (const event of events.splice(0)) await deps.events.record(run, event);
      } catch (error) {
        if (isStatus(error, 409)) {
          // The cache had not seen our Job yet (or a restarted operator created it): decide from the real one.
          job = await batch.readNamespacedJob({ namespace, name: jobNameFor(run) });
          decision = decide(job);
          events.splice(0, events.length, ...decision.events);
        } else {
          const failed = jobCreateFailed(run, apiMessage(error), now());
          await writeStatus(run, failed.status);
          await deps.events.record(run, failed.event);
          throw error;
        }
      }
    }

    try {
      await writeStatus(run, decision.status);
    } catch (error) {
      // Decided from a stale cache: decide again once the cache has caught up; nothing was written.
      if (!isStatus(error, 409)) throw error;
      log.debug('status conflict; requeued', {});
      return { requeueAfterMs: 20 };
    }
    const phase = decision.status.phase;
    if (phase !== run.status?.phase) {
      log.info('phase changed', { from: run.status?.phase, to: phase, job: jobNameFor(run) });
      if (phase === 'Succeeded' || phase === 'Failed')
        deps.metrics?.trainingRunsFinished.inc({ namespace, model: run.spec.model, phase });
    }
    for (const event of events) await deps.events.record(run, event);
  };

  async function writeStatus(run: TrainingRun, status: TrainingRun['status']): Promise<boolean> {
    if (isDeepStrictEqual(run.status ?? {}, status)) return false;
    await patchStatus(objects, trainingRuns, run.metadata, status!);
    return true;
  }
}
