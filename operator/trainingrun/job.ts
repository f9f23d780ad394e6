/** The trainer Job that a TrainingRun asks for: a pure function of the run and the operator's settings. */
import type { V1Job, V1JobSpec } from '@kubernetes/client-node';
import { managedByLabel, managedByValue, modelLabel, trainingRunLabel, type TrainingRun } from '../api/resources.ts';
import { controllerReference } from '../kit/owner.ts';
import {
  placementOf,
  resourceRequirements,
  restrictedContainerSecurity,
  restrictedPodSecurity,
} from '../kit/pod-spec.ts';
import { trialCount } from './search-parameters.ts';

export interface TrainerSettings {
  /** Image for runs that do not name one. */
  readonly image: string;
}

export const trainerContainer = 'trainer';
const terminationMessagePath = '/dev/termination-log';

/** Deterministic, so that a restarted operator finds the Job it created instead of making a second. */
export function jobNameFor(run: TrainingRun): string {
  return `${run.metadata.name}-train`;
}

/**
 * The id under which the trainer records the run (MySQL) and stores its artifact: namespace/name,
 * as storage/training-runs.ts expects.
 */
export function runIdFor(run: TrainingRun): string {
  return `${run.metadata.namespace}/${run.metadata.name}`;
}

export function trainerArgs(run: TrainingRun): string[] {
  const { spec } = run;
  const args = ['train', '--model', spec.model, '--run', runIdFor(run)];
  const flag = (name: string, value: number | string | undefined) => {
    if (value !== undefined) args.push(`--${name}`, String(value));
  };
  flag('max-rating-id', spec.dataset?.ratingsUpTo);
  flag('up-to-batch', spec.dataset?.upToBatch);
  flag('algorithm', spec.algorithm?.name);
  flag('factors', spec.algorithm?.factors);
  flag('epochs', spec.algorithm?.epochs);
  flag('lr', spec.algorithm?.learningRate);
  flag('reg', spec.algorithm?.regularization);
  flag('seed', spec.algorithm?.seed);
  flag('test-fraction', spec.evaluation?.testFraction);
  // each pod of the Indexed Job trains the trial of its JOB_COMPLETION_INDEX
  flag('search', spec.search ? JSON.stringify(spec.search) : undefined);
  return args;
}

/** A search runs its trials as one Indexed Job, each index retried on its own; a plain run is one pod. */
function completionsOf(run: TrainingRun): Partial<V1JobSpec> {
  const { search, backoffLimit = 1 } = run.spec;
  if (!search) return {};
  const trials = trialCount(search);
  return {
    completionMode: 'Indexed',
    completions: trials,
    parallelism: Math.min(search.parallelism ?? 1, trials),
    backoffLimitPerIndex: backoffLimit,
  };
}

export function desiredJob(run: TrainingRun, settings: TrainerSettings): V1Job {
  const labels = {
    [managedByLabel]: managedByValue,
    [trainingRunLabel]: run.metadata.name!,
    [modelLabel]: run.spec.model,
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobNameFor(run),
      namespace: run.metadata.namespace,
      labels,
      ownerReferences: [controllerReference(run)],
    },
    spec: {
      ...(run.spec.search ? {} : { backoffLimit: run.spec.backoffLimit ?? 1 }),
      ...completionsOf(run),
      activeDeadlineSeconds: run.spec.activeDeadlineSeconds ?? 3600,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          ...placementOf(run.spec),
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: restrictedPodSecurity,
          containers: [
            {
              name: trainerContainer,
              image: run.spec.image ?? settings.image,
              command: ['movie-reco'],
              args: trainerArgs(run),
              envFrom: [{ secretRef: { name: run.spec.backendSecretRef.name } }],
              env: [
                { name: 'MOVIE_RECO_MODEL', value: run.spec.model },
                { name: 'MOVIE_RECO_RUN_ID', value: runIdFor(run) },
                { name: 'TERMINATION_MESSAGE_PATH', value: terminationMessagePath },
              ],
              resources: resourceRequirements(
                run.spec.resources ?? { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '2Gi' } },
              ),
              terminationMessagePath,
              terminationMessagePolicy: 'FallbackToLogsOnError',
              securityContext: restrictedContainerSecurity,
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
}
