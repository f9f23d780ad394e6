import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminKubeConfig,
  certificateUser,
  createTestNamespace,
  serviceAccountUser,
  type TestNamespace,
} from './fixtures.ts';
import { waitFor } from './poll.ts';

async function forbidden(call: Promise<unknown>): Promise<string> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(k8s.ApiException);
  expect((err as k8s.ApiException<string>).code).toBe(403);
  return String((err as k8s.ApiException<string>).body);
}

describe('RBAC on the test kube-apiserver', () => {
  const admin = adminKubeConfig();
  let namespace: TestNamespace;
  beforeAll(async () => {
    namespace = await createTestNamespace('smoke-rbac');
  });
  afterAll(async () => {
    await namespace?.delete();
  });

  it('authenticates a ServiceAccount token, denies it by default, allows it once bound to a Role', async () => {
    const reader = await serviceAccountUser(namespace.name, 'reader');
    const whoami = await reader.kubeConfig.makeApiClient(k8s.AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    expect(whoami.status?.userInfo?.username).toBe(`system:serviceaccount:${namespace.name}:reader`);

    const core = reader.kubeConfig.makeApiClient(k8s.CoreV1Api);
    const denial = await forbidden(core.listNamespacedPod({ namespace: namespace.name }));
    expect(denial).toContain(
      `User \\"system:serviceaccount:${namespace.name}:reader\\" cannot list resource \\"pods\\"`,
    );

    const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: namespace.name,
      body: {
        metadata: { name: 'pod-reader' },
        rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: namespace.name,
      body: {
        metadata: { name: 'reader-reads-pods' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: namespace.name }],
      },
    });
    // The authorizer reads RBAC objects from an informer: allow a moment to catch up.
    const pods = await waitFor('the binding to take effect', () =>
      core.listNamespacedPod({ namespace: namespace.name }),
    );
    expect(pods.items).toEqual([]);
    await forbidden(
      core.createNamespacedConfigMap({ namespace: namespace.name, body: { metadata: { name: 'nope' } } }),
    );
  });

  it('authenticates a client-certificate user with its groups and denies what no binding grants', async () => {
    const alice = await certificateUser('alice', ['movie-reco:platform']);
    const whoami = await alice.kubeConfig.makeApiClient(k8s.AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    expect(whoami.status?.userInfo?.username).toBe('alice');
    expect(whoami.status?.userInfo?.groups).toContain('movie-reco:platform');
    await forbidden(alice.kubeConfig.makeApiClient(k8s.CoreV1Api).listNamespace());
  });
});
