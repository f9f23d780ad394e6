/** The custom resources as the operator reads them: generated spec/status plus Kubernetes metadata. */
import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { ModelReleaseSpec, ModelReleaseStatus, TrainingRunSpec, TrainingRunStatus } from './types.generated.ts';

export type { ModelReleaseSpec, ModelReleaseStatus, TrainingRunSpec, TrainingRunStatus };

export const group = 'reco.mlops.dev';
export const version = 'v1alpha1';
export const apiVersion = `${group}/${version}`;

export interface ResourceRef {
  readonly kind: string;
  readonly plural: string;
}

export const trainingRuns: ResourceRef = { kind: 'TrainingRun', plural: 'trainingruns' };
export const modelReleases: ResourceRef = { kind: 'ModelRelease', plural: 'modelreleases' };

export interface TrainingRun {
  apiVersion: string;
  kind: string;
  metadata: V1ObjectMeta;
  spec: TrainingRunSpec;
  status?: TrainingRunStatus;
}

export interface ModelRelease {
  apiVersion: string;
  kind: string;
  metadata: V1ObjectMeta;
  spec: ModelReleaseSpec;
  status?: ModelReleaseStatus;
}

export type TrainingRunPhase = NonNullable<TrainingRunStatus['phase']>;
export type Condition = NonNullable<TrainingRunStatus['conditions']>[number];
export type RunMetrics = NonNullable<TrainingRunStatus['metrics']>;

/** Labels on everything the operator creates; informers on Jobs and Deployments select by the first. */
export const managedByLabel = 'app.kubernetes.io/managed-by';
export const managedByValue = 'movie-reco-operator';
export const trainingRunLabel = 'reco.mlops.dev/training-run';
export const modelLabel = 'reco.mlops.dev/model';
export const modelReleaseLabel = 'reco.mlops.dev/model-release';
