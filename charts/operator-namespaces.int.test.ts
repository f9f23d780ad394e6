/**
 * The chart's operator over a list of namespaces or a label selector: its flags, and RBAC that
 * follows (a RoleBinding per listed namespace, checked with `kubectl auth can-i`; ClusterRoleBindings
 * and Namespace reads for a selector); backend Secrets readable by name only.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrds } from '../operator/api/install-crds.ts';
import {
  adminKubeConfig,
  createTestNamespace,
  helmBinary,
  kubeconfigPath,
  testEnv,
  type TestNamespace,
} from '../testenv/fixtures.ts';

const run = promisify(execFile);
const chart = join(import.meta.dirname, 'movie-reco');
const kubectl = (...args: string[]) => run('kubectl', ['--kubeconfig', kubeconfigPath(), ...args]);

type KubeObject = { kind: string; metadata: { name: string; namespace?: string } } & Record<string, unknown>;

async function render(namespace: string, ...values: string[]): Promise<KubeObject[]> {
  const { stdout } = await run(helmBinary(), ['template', 'mr', chart, '--namespace', namespace, ...values], {
    maxBuffer: 64 << 20,
  });
  return (k8s.loadAllYaml(stdout) as (KubeObject | null)[]).filter((o): o is KubeObject => o !== null);
}
const operatorArgs = (objects: KubeObject[]) =>
  (
    objects.find(
      (o) => o.kind === 'Deployment' && o.metadata.name === 'mr-movie-reco-operator',
    ) as unknown as k8s.V1Deployment
  ).spec!.template.spec!.containers[0]!.args!;
const bindings = (objects: KubeObject[]) =>
  objects
    .filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding')
    .map((o) => `${o.kind} ${o.metadata.namespace ?? ''} -> ${(o as unknown as k8s.V1RoleBinding).roleRef.name}`)
    .sort();

describe("the chart's operator namespaces and RBAC", () => {
  let release: TestNamespace;
  let teamA: TestNamespace;
  let teamB: TestNamespace;
  let other: TestNamespace;

  beforeAll(async () => {
    await installCrds(adminKubeConfig());
    release = await createTestNamespace('chart-ns');
    teamA = await createTestNamespace('chart-team-a');
    teamB = await createTestNamespace('chart-team-b');
    other = await createTestNamespace('chart-other');
  });
  afterAll(async () => {
    await Promise.all([release, teamA, teamB, other].map((ns) => ns?.delete()));
  });

  it('binds a list of namespaces one by one, and the operator reads their backend Secrets only there', async () => {
    const r = release.name;
    const objects = await render(
      r,
      '--set',
      `operator.watchNamespaces={${teamA.name},${teamB.name}}`,
      '--set',
      'operator.backendSecretNames={team-backend,movie-reco-backend}',
    );
    expect(operatorArgs(objects)).toContain(`--namespaces=${teamA.name},${teamB.name}`);
    const role = `${r}-mr-movie-reco-operator`;
    expect(bindings(objects)).toEqual(
      [
        `RoleBinding ${r} -> mr-movie-reco-operator-leader-election`,
        ...[teamA.name, teamB.name].flatMap((ns) => [
          `RoleBinding ${ns} -> ${role}`,
          `RoleBinding ${ns} -> ${role}-backend-secrets`,
        ]),
      ].sort(),
    );
    const secrets = objects.find((o) => o.kind === 'ClusterRole' && o.metadata.name === `${role}-backend-secrets`);
    expect((secrets as unknown as k8s.V1ClusterRole).rules).toEqual([
      {
        apiGroups: [''],
        resources: ['secrets'],
        resourceNames: ['team-backend', 'movie-reco-backend'],
        verbs: ['get'],
      },
    ]);

    const rbac = objects.filter((o) =>
      ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(o.kind),
    );
    const file = join(mkdtempSync(join(testEnv('MOVIE_RECO_TEST_ENV_DIR'), 'chart-ns-')), 'rbac.yaml');
    writeFileSync(file, rbac.map((o) => k8s.dumpYaml(o)).join('\n---\n'));
    await kubectl('apply', '--server-side', '--field-manager=chart-ns-test', '-f', file);
    try {
      const as = `system:serviceaccount:${r}:mr-movie-reco-operator`;
      const canI = (verb: string, resource: string, namespace: string) =>
        kubectl('auth', 'can-i', verb, resource, '-n', namespace, '--as', as).then(
          ({ stdout }) => stdout.trim(),
          (e: { stdout?: string }) => (e.stdout ?? '').trim(),
        );
      const answers = {
        'watch trainingruns in A': await canI('watch', 'trainingruns.reco.mlops.dev', teamA.name),
        'create jobs in B': await canI('create', 'jobs.batch', teamB.name),
        'get secret/team-backend in B': await canI('get', 'secrets/team-backend', teamB.name),
        'get secret/other in A': await canI('get', 'secrets/other', teamA.name),
        'list secrets in A': await canI('list', 'secrets', teamA.name),
        'watch trainingruns elsewhere': await canI('watch', 'trainingruns.reco.mlops.dev', other.name),
        'get secret/team-backend elsewhere': await canI('get', 'secrets/team-backend', other.name),
      };
      expect(answers).toEqual({
        'watch trainingruns in A': 'yes',
        'create jobs in B': 'yes',
        'get secret/team-backend in B': 'yes',
        'get secret/other in A': 'no',
        'list secrets in A': 'no',
        'watch trainingruns elsewhere': 'no',
        'get secret/team-backend elsewhere': 'no',
      });
    } finally {
      for (const o of rbac.filter((o) => o.kind.startsWith('Cluster')))
        await kubectl('delete', o.kind, o.metadata.name, '--ignore-not-found').catch(() => {});
    }
  });

  it('binds cluster-wide for a selector, with Namespace reads; refuses a list and a selector at once', async () => {
    const r = release.name;
    const objects = await render(r, '--set', 'operator.namespaceSelector=movie-reco/tenant=true');
    expect(operatorArgs(objects)).toContain('--namespace-selector=movie-reco/tenant=true');
    expect(operatorArgs(objects).some((arg) => arg.startsWith('--namespaces'))).toBe(false);
    const role = `${r}-mr-movie-reco-operator`;
    expect(bindings(objects)).toEqual(
      [
        `ClusterRoleBinding  -> ${role}`,
        `ClusterRoleBinding  -> ${role}-backend-secrets`,
        `ClusterRoleBinding  -> ${role}-namespaces`,
        `RoleBinding ${r} -> mr-movie-reco-operator-leader-election`,
      ].sort(),
    );
    const namespaces = objects.find((o) => o.kind === 'ClusterRole' && o.metadata.name === `${role}-namespaces`);
    expect((namespaces as unknown as k8s.V1ClusterRole).rules).toEqual([
      { apiGroups: [''], resources: ['namespaces'], verbs: ['list', 'watch'] },
    ]);
    // By default: the chart's own backend Secret, and no Namespace reads.
    const defaults = await render(r);
    const secrets = defaults.find((o) => o.kind === 'ClusterRole' && o.metadata.name === `${role}-backend-secrets`);
    expect((secrets as unknown as k8s.V1ClusterRole).rules?.[0]?.resourceNames).toEqual(['mr-movie-reco-backend']);
    expect(defaults.some((o) => o.metadata.name === `${role}-namespaces`)).toBe(false);

    await expect(
      render(r, '--set', 'operator.watchNamespaces={a}', '--set', 'operator.namespaceSelector=x=y'),
    ).rejects.toThrow(/exclude each other/);
  });
});
