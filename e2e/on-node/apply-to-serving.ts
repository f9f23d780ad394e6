/**
 * Where the time from `helm install` to the first answer went, read from the objects' own
 * timestamps (whole seconds) and the client's first answer. "Apply to serving" starts when the
 * sample TrainingRun and ModelRelease were created.
 */
import type * as k8s from '@kubernetes/client-node';
import { type ModelRelease, modelReleaseLabel, type TrainingRun } from '../../operator/api/resources.ts';

export interface Milestone {
  readonly what: string;
  /** Milliseconds since the epoch; undefined when the objects do not tell. */
  readonly at: number | undefined;
}

export interface ApplyToServing {
  readonly installStarted: number;
  readonly applied: number;
  readonly firstAnswerAt: number;
  readonly milestones: readonly Milestone[];
}

const time = (value: string | Date | undefined) => (value === undefined ? undefined : new Date(value).getTime());

function readySince(pod: k8s.V1Pod): number | undefined {
  return time(pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True')?.lastTransitionTime);
}

/** When the last pod of the role became Ready; undefined while any is not. */
function readyAt(pods: readonly k8s.V1Pod[], name: string): number | undefined {
  const times = pods.filter((pod) => pod.metadata?.labels?.['app.kubernetes.io/name'] === name).map(readySince);
  return times.every((at) => at !== undefined) && times.length > 0 ? Math.max(...(times as number[])) : undefined;
}

function finishedAt(pod: k8s.V1Pod | undefined): number | undefined {
  return time(pod?.status?.containerStatuses?.[0]?.state?.terminated?.finishedAt);
}

export function applyToServing(inputs: {
  readonly trainingRun: TrainingRun;
  readonly modelRelease: ModelRelease;
  readonly pods: readonly k8s.V1Pod[];
  readonly installStarted: number;
  readonly firstAnswerAt: number;
}): ApplyToServing {
  const { trainingRun, modelRelease, pods } = inputs;
  const jobName = trainingRun.status?.jobName;
  const trainer = pods.find((pod) => jobName !== undefined && pod.metadata?.labels?.['job-name'] === jobName);
  const datasetLoad = pods.find(
    (pod) => pod.metadata?.labels?.['app.kubernetes.io/name'] === 'movie-reco-dataset-load',
  );
  const inference = pods.filter((pod) => pod.metadata?.labels?.[modelReleaseLabel] === modelRelease.metadata.name);
  const inferenceReady = inference.map(readySince).filter((at) => at !== undefined);
  const milestones: Milestone[] = [
    { what: 'MySQL ready', at: readyAt(pods, 'movie-reco-mysql') },
    { what: 'MinIO ready', at: readyAt(pods, 'movie-reco-minio') },
    { what: 'operator ready', at: readyAt(pods, 'movie-reco-operator') },
    { what: 'dataset loaded', at: finishedAt(datasetLoad) },
    { what: 'TrainingRun and ModelRelease applied', at: time(trainingRun.metadata.creationTimestamp) },
    { what: 'trainer container started', at: time(trainer?.status?.startTime) },
    { what: 'trainer finished', at: finishedAt(trainer) },
    { what: 'run Succeeded', at: time(trainingRun.status?.completionTime) },
    { what: 'champion promoted', at: time(modelRelease.status?.champion?.promotedAt) },
    { what: 'first inference pod ready', at: inferenceReady.length > 0 ? Math.min(...inferenceReady) : undefined },
    { what: 'first answer through the Service', at: inputs.firstAnswerAt },
  ];
  const applied = time(trainingRun.metadata.creationTimestamp) ?? inputs.installStarted;
  return { installStarted: inputs.installStarted, applied, firstAnswerAt: inputs.firstAnswerAt, milestones };
}

export function formatBreakdown(breakdown: ApplyToServing): string {
  const seconds = (from: number, to: number | undefined) => (to === undefined ? '?' : ((to - from) / 1000).toFixed(1));
  const lines = breakdown.milestones.map(
    (m) =>
      `  ${m.what.padEnd(38)} +${seconds(breakdown.installStarted, m.at).padStart(6)} s from helm install` +
      (m.at !== undefined && m.at >= breakdown.applied ? `, +${seconds(breakdown.applied, m.at)} s from apply` : ''),
  );
  const total = seconds(breakdown.applied, breakdown.firstAnswerAt);
  const sinceInstall = seconds(breakdown.installStarted, breakdown.firstAnswerAt);
  return [`apply to serving: ${total} s (helm install to serving: ${sinceInstall} s)`, ...lines].join('\n');
}
