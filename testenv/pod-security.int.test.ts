import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminKubeConfig,
  createTestNamespace,
  startControllerManager,
  type RunningControllerManager,
  type TestNamespace,
} from './fixtures.ts';
import { waitFor } from './poll.ts';

// Pod Security admission enforces on Pods. A Deployment is admitted with a warning; the Pods its
// ReplicaSet then tries to create are refused, which kube-controller-manager reports.
const unhardenedPod: k8s.V1PodSpec = { containers: [{ name: 'app', image: 'registry.invalid/app:1' }] };

describe('Pod Security admission in a namespace labelled enforce=restricted', () => {
  const kc = adminKubeConfig();
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  let namespace: TestNamespace;
  let controllerManager: RunningControllerManager;

  beforeAll(async () => {
    namespace = await createTestNamespace('smoke-psa', {
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
    });
    controllerManager = await startControllerManager();
  });
  afterAll(async () => {
    await controllerManager?.stop();
    await namespace?.delete();
  });

  it('refuses a Pod that is not hardened, naming what violates the profile', async () => {
    const err = await core
      .createNamespacedPod({ namespace: namespace.name, body: { metadata: { name: 'bare' }, spec: unhardenedPod } })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(k8s.ApiException);
    expect((err as k8s.ApiException<string>).code).toBe(403);
    const status = JSON.parse(String((err as k8s.ApiException<string>).body)) as { message: string };
    expect(status.message).toMatch(/violates PodSecurity "restricted:latest": .*allowPrivilegeEscalation != false/);
  });

  it('refuses the Pods of a Deployment that is not hardened (the Deployment gets a warning)', async () => {
    const labels = { app: 'bare' };
    const created = await apps.createNamespacedDeploymentWithHttpInfo({
      namespace: namespace.name,
      body: {
        metadata: { name: 'bare' },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: unhardenedPod },
        },
      },
    });
    // A Warning header quotes its text: 299 - "would violate PodSecurity \"restricted:latest\": ..."
    expect(created.headers.warning ?? '').toMatch(/would violate PodSecurity \\"restricted:latest\\"/);

    const failure = await waitFor(
      'the ReplicaSet to report ReplicaFailure',
      async () =>
        (await apps.listNamespacedReplicaSet({ namespace: namespace.name })).items
          .flatMap((rs) => rs.status?.conditions ?? [])
          .find((c) => c.type === 'ReplicaFailure' && c.status === 'True'),
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(failure.reason).toBe('FailedCreate');
    expect(failure.message).toMatch(/forbidden: violates PodSecurity "restricted:latest"/);
    expect((await core.listNamespacedPod({ namespace: namespace.name })).items).toHaveLength(0);
  });
});
