/**
 * The plain kustomize manifests of deploy/ (operator and samples), validated against the real
 * kube-apiserver: server-side dry run of every object, Pod Security "restricted" admission of the
 * operator's pod. The namespace movie-reco-system is swapped for a test namespace so that nothing is
 * left behind and runs do not collide.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrds } from '../operator/api/install-crds.ts';
import {
  adminKubeConfig,
  createTestNamespace,
  kubeconfigPath,
  testEnv,
  type TestNamespace,
} from '../testenv/fixtures.ts';

const run = promisify(execFile);
const deploy = import.meta.dirname;
const kubectl = async (...args: string[]) =>
  (await run('kubectl', ['--kubeconfig', kubeconfigPath(), ...args], { maxBuffer: 64 << 20 })).stdout;

type KubeObject = {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: unknown;
};

async function kustomize(dir: string, from: string, to: string): Promise<KubeObject[]> {
  const text = (await kubectl('kustomize', join(deploy, dir))).replaceAll(from, to);
  return (k8s.loadAllYaml(text) as KubeObject[]).filter((o) => o && o.kind !== 'Namespace');
}

async function dryRun(objects: KubeObject[]): Promise<string[]> {
  const file = join(mkdtempSync(join(testEnv('MOVIE_RECO_TEST_ENV_DIR'), 'deploy-')), 'objects.yaml');
  writeFileSync(file, objects.map((o) => k8s.dumpYaml(o)).join('---\n'));
  const out = await kubectl('apply', '--dry-run=server', '--server-side', '--field-manager=deploy-test', '-f', file);
  return out.trim().split('\n');
}

describe('deploy/ (kustomize)', () => {
  const kc = adminKubeConfig();
  let ns: TestNamespace;

  beforeAll(async () => {
    ns = await createTestNamespace('deploy', {
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'latest',
    });
    await installCrds(kc);
  });
  afterAll(async () => ns?.delete());

  it('declares a namespace that enforces restricted Pod Security', () => {
    const namespace = k8s.loadYaml<k8s.V1Namespace>(readFileSync(join(deploy, 'namespace.yaml'), 'utf8'));
    expect(namespace.metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('applies the operator manifests with server-side dry run, and its pod is admitted under restricted', async () => {
    const objects = await kustomize('.', 'movie-reco-system', ns.name);
    expect(objects.map((o) => o.kind).sort()).toEqual([
      'ClusterRole',
      'ClusterRole',
      'ClusterRoleBinding',
      'ClusterRoleBinding',
      'ConfigMap',
      'CustomResourceDefinition',
      'CustomResourceDefinition',
      'Deployment',
      'Role',
      'RoleBinding',
      'ServiceAccount',
    ]);
    expect(await dryRun(objects)).toHaveLength(objects.length);

    const deployment = objects.find((o) => o.kind === 'Deployment') as unknown as k8s.V1Deployment;
    const pod = deployment.spec!.template;
    const container = pod.spec!.containers[0]!;
    expect(container.image).toBe('movie-reco:0.1.0');
    expect(container.env).toContainEqual({ name: 'NODE_OPTIONS', value: '--max-semi-space-size=2' });
    // The generated ConfigMap's hashed name is what the Deployment refers to.
    const configMap = objects.find((o) => o.kind === 'ConfigMap')!;
    expect(container.envFrom).toEqual([{ configMapRef: { name: configMap.metadata.name } }]);
    await kc.makeApiClient(k8s.CoreV1Api).createNamespacedPod({
      namespace: ns.name,
      dryRun: 'All',
      body: { metadata: { name: 'deploy-operator', labels: pod.metadata?.labels }, spec: pod.spec! },
    });
  });

  it('applies the samples (and the backend Secret example) with server-side dry run', async () => {
    const objects = await kustomize('samples', 'namespace: movie-reco\n', `namespace: ${ns.name}\n`);
    expect(objects.map((o) => o.kind).sort()).toEqual(['ModelRelease', 'Secret', 'TrainingRun']);
    expect(objects.every((o) => o.metadata.namespace === ns.name)).toBe(true);
    const example = k8s.loadYaml<KubeObject>(
      readFileSync(join(deploy, 'samples', 'backend-secret.example.yaml'), 'utf8'),
    );
    example.metadata.namespace = ns.name;
    expect(await dryRun([...objects, example])).toHaveLength(objects.length + 1);
  });
});
