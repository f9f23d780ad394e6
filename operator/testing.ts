/** Helpers for the operator's integration tests: TrainingRun manifests, play the kubelet and Job controller. */
import * as k8s from '@kubernetes/client-node';
import { group, version } from './api/resources.ts';

export function getTrainingRun(kc: k8s.KubeConfig, namespace: string, name: string) {
  return kc
    .makeApiClient(k8s.CustomObjectsApi)
    .getNamespacedCustomObject({ group, version, namespace, plural: 'trainingruns', name });
}

/** How many TrainingRuns of the namespace are in `phase`. */
export async function countRunsInPhase(kc: k8s.KubeConfig, namespace: string, phase: string): Promise<number> {
  const list = (await kc
    .makeApiClient(k8s.CustomObjectsApi)
    .listNamespacedCustomObject({ group, version, namespace, plural: 'trainingruns' })) as {
    items: { status?: { phase?: string } }[];
  };
  return list.items.filter((run) => run.status?.phase === phase).length;
}

export function trainingRunManifest(name: string, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: `${group}/${version}`,
    kind: 'TrainingRun',
    metadata: { name },
    spec: {
      model: 'movielens',
      algorithm: { name: 'svd', factors: 16 },
      backendSecretRef: { name: 'backend' },
      ...spec,
    },
  };
}

/**
 * What kubelet and the Job controller would do when the trainer exits: a pod of the Job whose
 * trainer container terminated with `message`, then the Job's terminal conditions.
 */
export async function finishTrainerPod(
  kc: k8s.KubeConfig,
  namespace: string,
  jobName: string,
  outcome: { succeeded: boolean; message: string; jobReason?: string },
): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const batch = kc.makeApiClient(k8s.BatchV1Api);
  const podName = `${jobName}-${Math.random().toString(36).slice(2, 7)}`;
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name: podName, labels: { 'batch.kubernetes.io/job-name': jobName, 'job-name': jobName } },
      spec: { restartPolicy: 'Never', containers: [{ name: 'trainer', image: 'movie-reco:test' }] },
    },
  });
  const started = new Date(Date.now() - 5000);
  const finished = new Date();
  await core.patchNamespacedPodStatus(
    {
      namespace,
      name: podName,
      body: {
        status: {
          phase: outcome.succeeded ? 'Succeeded' : 'Failed',
          containerStatuses: [
            {
              name: 'trainer',
              image: 'movie-reco:test',
              imageID: 'movie-reco@sha256:0',
              ready: false,
              restartCount: 0,
              state: {
                terminated: {
                  exitCode: outcome.succeeded ? 0 : 1,
                  reason: outcome.succeeded ? 'Completed' : 'Error',
                  message: outcome.message,
                  startedAt: started.toISOString(),
                  finishedAt: finished.toISOString(),
                },
              },
            },
          ],
        },
      },
    },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
  const now = finished.toISOString();
  const conditions = outcome.succeeded
    ? [
        {
          type: 'SuccessCriteriaMet',
          status: 'True',
          reason: 'CompletionsReached',
          message: 'Reached expected number of succeeded pods',
          lastProbeTime: now,
          lastTransitionTime: now,
        },
        {
          type: 'Complete',
          status: 'True',
          reason: 'CompletionsReached',
          message: 'Reached expected number of succeeded pods',
          lastProbeTime: now,
          lastTransitionTime: now,
        },
      ]
    : [
        {
          type: 'FailureTarget',
          status: 'True',
          reason: outcome.jobReason ?? 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
          lastProbeTime: now,
          lastTransitionTime: now,
        },
        {
          type: 'Failed',
          status: 'True',
          reason: outcome.jobReason ?? 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
          lastProbeTime: now,
          lastTransitionTime: now,
        },
      ];
  await batch.patchNamespacedJobStatus(
    {
      namespace,
      name: jobName,
      body: {
        status: {
          startTime: started.toISOString(),
          ...(outcome.succeeded ? { completionTime: now, succeeded: 1 } : { failed: 1 }),
          ready: 0,
          terminating: 0,
          uncountedTerminatedPods: {},
          conditions,
        },
      },
    },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
}
