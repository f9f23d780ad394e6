/** Helpers for the operator's integration tests: TrainingRun manifests, play the kubelet and Job controller. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import type { RunMetrics } from '../storage/training-runs.ts';
import { kubeconfigPath } from '../testenv/fixtures.ts';
import { group, version } from './api/resources.ts';

/**
 * Takes the finalizers off every TrainingRun of a namespace (or of the cluster), for a test that
 * deletes namespaces or the CRDs after its operator stopped: otherwise they wait for an operator.
 */
export async function releaseArtifactFinalizers(kc: k8s.KubeConfig, namespace?: string): Promise<void> {
  const objects = kc.makeApiClient(k8s.CustomObjectsApi);
  const plural = 'trainingruns';
  const list = namespace
    ? objects.listNamespacedCustomObject({ group, version, namespace, plural })
    : objects.listClusterCustomObject({ group, version, plural });
  const runs = (await list.catch(() => ({ items: [] }))) as {
    items: { metadata: { name: string; namespace: string; finalizers?: string[] } }[];
  };
  for (const run of runs.items) {
    if (!run.metadata.finalizers?.length) continue;
    await objects
      .patchNamespacedCustomObject(
        {
          group,
          version,
          plural: 'trainingruns',
          namespace: run.metadata.namespace,
          name: run.metadata.name,
          body: { metadata: { finalizers: null } },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      )
      .catch(() => {});
  }
}

/** Creates the object, or replaces the one of the same name (cluster-scoped RBAC outlives a test's namespace). */
export async function createOrReplace(kc: k8s.KubeConfig, object: k8s.KubernetesObject): Promise<void> {
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  try {
    await api.create(object);
  } catch (error) {
    if (!(error instanceof k8s.ApiException && error.code === 409)) throw error;
    const current = await api.read(object as k8s.KubernetesObject & { metadata: { name: string } });
    await api.replace({
      ...object,
      metadata: { ...object.metadata, resourceVersion: current.metadata?.resourceVersion },
    });
  }
}

/**
 * The operator's roles as shipped in deploy/rbac (the custom resources and workloads, the backend
 * Secrets by name), bound by a RoleBinding in each watched namespace to a ServiceAccount, as the
 * chart binds them for operator.watchNamespaces.
 */
export async function bindOperatorRoles(
  kc: k8s.KubeConfig,
  account: { namespace: string; name: string },
  watched: readonly string[],
): Promise<void> {
  for (const file of ['operator-clusterrole.yaml', 'operator-backend-secrets.yaml']) {
    const role = k8s.loadAllYaml(
      readFileSync(new URL(`../deploy/rbac/${file}`, import.meta.url), 'utf8'),
    )[0] as k8s.V1ClusterRole;
    await createOrReplace(kc, role);
    for (const namespace of watched)
      await createOrReplace(kc, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: role.metadata!.name, namespace },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata!.name! },
        subjects: [{ kind: 'ServiceAccount', ...account }],
      } as k8s.KubernetesObject);
  }
}

/** `kubectl auth can-i` as a ServiceAccount: what a user of that team would be told. */
export function canI(
  as: { namespace: string; name: string },
  verb: string,
  resource: string,
  namespace: string,
  ...flags: string[]
): boolean {
  const user = `system:serviceaccount:${as.namespace}:${as.name}`;
  const result = spawnSync(
    'kubectl',
    ['--kubeconfig', kubeconfigPath(), 'auth', 'can-i', verb, resource, '-n', namespace, '--as', user, ...flags],
    { encoding: 'utf8' },
  );
  if (result.status !== 0 && result.stdout.trim() !== 'no') throw new Error(`kubectl auth can-i: ${result.stderr}`);
  return result.stdout.trim() === 'yes';
}

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
 * trainer container terminated with `message`, then the Job's terminal conditions. With
 * `trialMessages`, a search's Indexed Job: one Succeeded pod per index, each with its message.
 */
export async function finishTrainerPod(
  kc: k8s.KubeConfig,
  namespace: string,
  jobName: string,
  outcome: { succeeded: boolean; message: string; jobReason?: string } | { trialMessages: string[] },
): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const batch = kc.makeApiClient(k8s.BatchV1Api);
  const pods =
    'trialMessages' in outcome
      ? outcome.trialMessages.map((message, index) => ({ succeeded: true, message, index }))
      : [{ ...outcome, index: undefined }];
  for (const pod of pods) await createTerminatedPod(core, namespace, jobName, pod);
  await completeJob(batch, namespace, jobName, 'trialMessages' in outcome ? { succeeded: true } : outcome);
}

async function createTerminatedPod(
  core: k8s.CoreV1Api,
  namespace: string,
  jobName: string,
  outcome: { succeeded: boolean; message: string; index: number | undefined },
): Promise<void> {
  const podName = `${jobName}-${Math.random().toString(36).slice(2, 7)}`;
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: {
        name: podName,
        labels: { 'batch.kubernetes.io/job-name': jobName, 'job-name': jobName },
        ...(outcome.index === undefined
          ? {}
          : { annotations: { 'batch.kubernetes.io/job-completion-index': String(outcome.index) } }),
      },
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
}

async function completeJob(
  batch: k8s.BatchV1Api,
  namespace: string,
  jobName: string,
  outcome: { succeeded: boolean; jobReason?: string },
): Promise<void> {
  const started = new Date(Date.now() - 5000);
  const now = new Date().toISOString();
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

/** The metrics a trainer reports for a run whose NDCG@10 (the promotion metric) is `ndcgAt10`. */
export const trainerMetrics = (ndcgAt10: number): Required<RunMetrics> => ({
  rmse: 0.9,
  mae: 0.7,
  precisionAt10: 0.1,
  recallAt10: 0.05,
  ndcgAt10,
  coverage: 0.2,
  trainSeconds: 1,
});
