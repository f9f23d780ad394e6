import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/log.ts';
import {
  adminKubeConfig,
  createTestNamespace,
  serviceAccountUser,
  type TestNamespace,
} from '../../testenv/fixtures.ts';
import { group, version, type TrainingRun } from '../api/resources.ts';
import { installCrds } from '../api/install-crds.ts';
import { trainingRunManifest } from '../testing.ts';
import { waitFor } from '../../testenv/poll.ts';
import { ResilientInformer } from './informer.ts';
import { OperatorMetrics } from './metrics.ts';

const kc = adminKubeConfig();

describe('ResilientInformer against the real API server', () => {
  let namespace: TestNamespace;
  beforeAll(async () => {
    await installCrds(kc);
    namespace = await createTestNamespace('informer');
  });
  afterAll(async () => namespace?.delete());

  it('keeps retrying after an error client-node gives up on (403), and syncs once allowed', async () => {
    const ns = namespace.name;
    const objects = kc.makeApiClient(k8s.CustomObjectsApi);
    await objects.createNamespacedCustomObject({
      group,
      version,
      namespace: ns,
      plural: 'trainingruns',
      body: trainingRunManifest('seen'),
    });
    const user = await serviceAccountUser(ns, 'watcher');
    const userObjects = user.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
    const seen: string[] = [];
    const metrics = new OperatorMetrics({ defaultMetrics: false });
    const warnings: string[] = [];
    const informer = new ResilientInformer<TrainingRun & k8s.KubernetesObject>({
      kc: user.kubeConfig,
      path: `/apis/${group}/${version}/namespaces/${ns}/trainingruns`,
      list: () =>
        userObjects.listNamespacedCustomObject({ group, version, namespace: ns, plural: 'trainingruns' }) as Promise<
          k8s.KubernetesListObject<TrainingRun & k8s.KubernetesObject>
        >,
      onObject: (run) => seen.push(run.metadata!.name!),
      resource: 'trainingruns',
      log: createLogger({ test: 'informer' }, { level: 'warn', write: (line) => warnings.push(line) }),
      metrics,
      minRestartDelayMs: 100,
      maxRestartDelayMs: 400,
    });
    let synced = false;
    const started = informer.start().then(() => (synced = true));
    try {
      await waitFor(
        'the informer refused twice (it retries)',
        () => warnings.filter((line) => line.includes('informer failed to start')).length >= 2,
      );
      expect(synced).toBe(false);

      const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
      await rbac.createNamespacedRole({
        namespace: ns,
        body: {
          metadata: { name: 'watch-runs' },
          rules: [{ apiGroups: [group], resources: ['trainingruns'], verbs: ['list', 'watch'] }],
        },
      });
      await rbac.createNamespacedRoleBinding({
        namespace: ns,
        body: {
          metadata: { name: 'watch-runs' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'watch-runs' },
          subjects: [{ kind: 'ServiceAccount', name: 'watcher', namespace: ns }],
        },
      });
      await waitFor('informer synced after access was granted', async () => synced);
      expect(informer.list().map((r) => r.metadata!.name)).toEqual(['seen']);
      expect(seen).toContain('seen');

      await objects.createNamespacedCustomObject({
        group,
        version,
        namespace: ns,
        plural: 'trainingruns',
        body: trainingRunManifest('later'),
      });
      await waitFor('a watch event after recovery', async () => seen.includes('later'));
    } finally {
      await informer.stop();
      await started;
    }
  });
});
