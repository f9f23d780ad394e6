import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/log.ts';
import { adminKubeConfig, createTestNamespace, serviceAccountUser, type TestNamespace } from '../testenv/fixtures.ts';
import { group, version } from './api/resources.ts';
import { installCrds } from './api/install-crds.ts';
import { Operator } from './manager.ts';
import {
  bindOperatorRoles,
  createOrReplace,
  finishTrainerPod,
  getTrainingRun,
  trainingRunManifest,
  trainerMetrics,
} from './testing.ts';
import { waitFor } from '../testenv/poll.ts';

const kc = adminKubeConfig();
const rbacDir = new URL('../deploy/rbac/', import.meta.url);
const manifests = (file: string) =>
  k8s.loadAllYaml(readFileSync(new URL(file, rbacDir), 'utf8')) as k8s.KubernetesObject[];
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

describe('the operator under deploy/rbac, as a ServiceAccount', () => {
  let namespace: TestNamespace;
  let operator: Operator;
  const logLines: string[] = [];
  const serviceAccount = 'movie-reco-operator';

  beforeAll(async () => {
    await installCrds(kc);
    namespace = await createTestNamespace('rbac');
    const ns = namespace.name;
    // One-namespace mode: the ClusterRoles bound by RoleBindings; the lease Role as shipped, moved here.
    await bindOperatorRoles(kc, { namespace: ns, name: serviceAccount }, [ns]);
    for (const object of manifests('leader-election-role.yaml')) {
      const moved = JSON.parse(JSON.stringify(object).replaceAll('movie-reco-system', ns));
      await createOrReplace(kc, moved);
    }
    const user = await serviceAccountUser(ns, serviceAccount);
    operator = new Operator({
      kc: user.kubeConfig,
      log: createLogger({ test: 'rbac' }, { level: 'debug', write: (line) => logLines.push(line) }),
      namespace: ns,
      trainerImage: 'movie-reco:test',
      leaderElection: { namespace: ns, leaseDurationSeconds: 5 },
      newRatingsSince: async () => 10,
      resyncMs: 500,
      onLeadershipLost: () => {},
    });
    await operator.start();
  });
  afterAll(async () => {
    await operator?.stop();
    await namespace?.delete();
  });

  it('runs a TrainingRun and a ModelRelease end to end without one forbidden call', async () => {
    const ns = namespace.name;
    const objects = kc.makeApiClient(k8s.CustomObjectsApi);
    const run = await objects.createNamespacedCustomObject({
      group,
      version,
      namespace: ns,
      plural: 'trainingruns',
      body: trainingRunManifest('rbac-run'),
    });
    await waitFor('Pending', async () => (await getTrainingRun(kc, ns, 'rbac-run')).status?.phase === 'Pending');
    const result = {
      runId: run.metadata.uid,
      model: 'movielens',
      phase: 'Succeeded',
      dataset: { ratings: 1000, users: 10, movies: 50 },
      metrics: trainerMetrics(0.12),
      artifact: { uri: 's3://m/rbac-run', digest: 'sha256:rbac', sizeBytes: 10 },
    };
    await finishTrainerPod(kc, ns, 'rbac-run-train', { succeeded: true, message: JSON.stringify(result) });
    await waitFor('Succeeded', async () => (await getTrainingRun(kc, ns, 'rbac-run')).status?.phase === 'Succeeded');

    await objects.createNamespacedCustomObject({
      group,
      version,
      namespace: ns,
      plural: 'modelreleases',
      body: {
        apiVersion: `${group}/${version}`,
        kind: 'ModelRelease',
        metadata: { name: 'movielens' },
        spec: { model: 'movielens', serving: { autoscaling: { maxReplicas: 3 } } },
      },
    });
    const autoscaling = kc.makeApiClient(k8s.AutoscalingV2Api);
    await waitFor('HPA', () =>
      autoscaling.readNamespacedHorizontalPodAutoscaler({ namespace: ns, name: 'movielens-inference' }),
    );
    await objects.patchNamespacedCustomObject(
      {
        group,
        version,
        namespace: ns,
        plural: 'modelreleases',
        name: 'movielens',
        body: { spec: { serving: { autoscaling: null, replicas: 1 } } },
      },
      mergePatch,
    );
    await waitFor('HPA removed', async () =>
      autoscaling.readNamespacedHorizontalPodAutoscaler({ namespace: ns, name: 'movielens-inference' }).then(
        () => false,
        () => true,
      ),
    );
    const deployment = await kc
      .makeApiClient(k8s.AppsV1Api)
      .readNamespacedDeployment({ namespace: ns, name: 'movielens-inference' });
    expect(deployment.spec?.replicas).toBe(1);

    // Retraining: runs created from the template, the oldest finished ones deleted beyond historyLimit.
    await objects.patchNamespacedCustomObject(
      {
        group,
        version,
        namespace: ns,
        plural: 'modelreleases',
        name: 'movielens',
        body: {
          spec: { retrain: { minNewRatings: 1, historyLimit: 1, template: { backendSecretRef: { name: 'backend' } } } },
        },
      },
      mergePatch,
    );
    const runNames = async () =>
      (
        (await objects.listNamespacedCustomObject({ group, version, namespace: ns, plural: 'trainingruns' })) as {
          items: { metadata: { name: string } }[];
        }
      ).items
        .map((r) => r.metadata.name)
        .sort();
    for (const n of [1, 2]) {
      await waitFor(
        `movielens-${n} Pending`,
        async () => (await getTrainingRun(kc, ns, `movielens-${n}`)).status?.phase === 'Pending',
      );
      await objects.patchNamespacedCustomObjectStatus(
        {
          group,
          version,
          namespace: ns,
          plural: 'trainingruns',
          name: `movielens-${n}`,
          body: { status: { phase: 'Failed', completionTime: new Date(Date.now() + n).toISOString() } },
        },
        mergePatch,
      );
    }
    await waitFor('movielens-3 created and movielens-1 deleted', async () => {
      const names = await runNames();
      return names.includes('movielens-3') && !names.includes('movielens-1');
    });

    // 403 as a status code, not as digits of a timestamp's or a duration's fraction (".403Z")
    const forbidden = logLines.filter((line) => /forbidden|(?<![.\d])403(?!\d)/i.test(line));
    expect(forbidden).toEqual([]);
    expect(logLines.some((line) => line.includes('became leader'))).toBe(true);
  });

  it('is denied what the operator never needs', async () => {
    const reviews = kc.makeApiClient(k8s.AuthorizationV1Api);
    const can = async (verb: string, resource: string, apiGroup = '', subresource?: string, name?: string) =>
      (
        await reviews.createSubjectAccessReview({
          body: {
            spec: {
              user: `system:serviceaccount:${namespace.name}:${serviceAccount}`,
              groups: ['system:serviceaccounts'],
              resourceAttributes: {
                namespace: namespace.name,
                verb,
                resource,
                group: apiGroup,
                ...(subresource ? { subresource } : {}),
                ...(name ? { name } : {}),
              },
            },
          },
        })
      ).status?.allowed;
    expect(await can('create', 'jobs', 'batch')).toBe(true);
    expect(await can('get', 'secrets')).toBe(false);
    // The backend Secret by its name, and nothing else of Secrets.
    expect(await can('get', 'secrets', '', undefined, 'movie-reco-backend')).toBe(true);
    expect(await can('get', 'secrets', '', undefined, 'movielens-inference-auth')).toBe(false);
    expect(await can('list', 'secrets')).toBe(false);
    expect(await can('watch', 'secrets')).toBe(false);
    expect(await can('delete', 'jobs', 'batch')).toBe(false);
    expect(await can('update', 'trainingruns', group)).toBe(false);
    expect(await can('delete', 'modelreleases', group)).toBe(false);
    // patch for the artifacts finalizer (metadata.finalizers), never update.
    expect(await can('patch', 'trainingruns', group)).toBe(true);
    expect(await can('patch', 'trainingruns', group, 'status')).toBe(true);
    expect(await can('delete', 'deployments', 'apps')).toBe(false);
    expect(await can('create', 'pods')).toBe(false);
  });
});
