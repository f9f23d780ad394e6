import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminKubeConfig,
  createTestNamespace,
  startControllerManager,
  type RunningControllerManager,
  type TestNamespace,
} from '../testenv/fixtures.ts';
import { waitFor } from '../testenv/poll.ts';
import { installCrds } from './api/install-crds.ts';
import { canI } from './testing.ts';

const kc = adminKubeConfig();
const roles = k8s.loadAllYaml(
  readFileSync(new URL('../deploy/rbac/user-clusterroles.yaml', import.meta.url), 'utf8'),
) as k8s.V1ClusterRole[];

describe("users' roles aggregated into admin, edit and view (deploy/rbac/user-clusterroles.yaml)", () => {
  let controllerManager: RunningControllerManager;
  let teamA: TestNamespace;
  let teamB: TestNamespace;
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  const bind = (namespace: string, name: string, clusterRole: string) =>
    rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
        subjects: [{ kind: 'ServiceAccount', name, namespace }],
      },
    });

  beforeAll(async () => {
    controllerManager = await startControllerManager();
    await installCrds(kc);
    for (const role of roles) {
      await rbac.deleteClusterRole({ name: role.metadata!.name! }).catch(() => {});
      await rbac.createClusterRole({ body: role });
    }
    teamA = await createTestNamespace('team-a');
    teamB = await createTestNamespace('team-b');
    await bind(teamA.name, 'editor', 'edit');
    await bind(teamA.name, 'viewer', 'view');
  });
  afterAll(async () => {
    await Promise.all([teamA?.delete(), teamB?.delete()]);
    await controllerManager?.stop();
  });

  it("lets a namespace's editors manage runs and releases, its viewers only read them, and nobody else", async () => {
    const editor = { namespace: teamA.name, name: 'editor' };
    const viewer = { namespace: teamA.name, name: 'viewer' };
    // The clusterrole-aggregation controller copies the rules into edit and view.
    await waitFor(
      'edit to take the TrainingRun rules',
      async () => canI(editor, 'create', 'trainingruns.reco.mlops.dev', teamA.name),
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    await waitFor(
      'view to take the TrainingRun rules',
      async () => canI(viewer, 'list', 'trainingruns.reco.mlops.dev', teamA.name),
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    for (const resource of ['trainingruns.reco.mlops.dev', 'modelreleases.reco.mlops.dev']) {
      for (const verb of ['create', 'patch', 'delete', 'get'])
        expect(canI(editor, verb, resource, teamA.name)).toBe(true);
      for (const verb of ['get', 'list', 'watch']) expect(canI(viewer, verb, resource, teamA.name)).toBe(true);
      for (const verb of ['create', 'patch', 'delete']) expect(canI(viewer, verb, resource, teamA.name)).toBe(false);
      for (const verb of ['get', 'create']) expect(canI(editor, verb, resource, teamB.name)).toBe(false);
      // Status belongs to the operator: nobody else writes it.
      expect(canI(editor, 'patch', resource, teamA.name, '--subresource=status')).toBe(false);
    }
  });
});
