/**
 * A cluster upgraded from chart 0.1.0 (charts/testdata, packaged from that release) to this one: the
 * CRDs through the movie-reco-crds chart, then the product chart; a field the new CRDs add is served
 * afterwards; uninstalling both leaves exactly what docs/operating.md says. No kubelet: hooks off.
 */
import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiVersion } from '../operator/api/resources.ts';
import { releaseArtifactFinalizers } from '../operator/testing.ts';
import {
  adminKubeConfig,
  createTestNamespace,
  helmBinary,
  kubeconfigPath,
  type TestNamespace,
} from '../testenv/fixtures.ts';
import { waitFor } from '../testenv/poll.ts';

const run = promisify(execFile);
const charts = join(import.meta.dirname, '..', 'charts');
const previousChart = join(charts, 'testdata', 'movie-reco-0.1.0.tgz');
const crdNames = ['trainingruns.reco.mlops.dev', 'modelreleases.reco.mlops.dev'];
const kc = adminKubeConfig();
const crdApi = kc.makeApiClient(k8s.ApiextensionsV1Api);

const helm = async (...args: string[]) =>
  (await run(helmBinary(), [...args, '--kubeconfig', kubeconfigPath()], { maxBuffer: 64 << 20 })).stdout;

function kubectl(args: string[], input?: object): { code: number; out: string; err: string } {
  const result = spawnSync('kubectl', ['--kubeconfig', kubeconfigPath(), ...args], {
    input: input ? JSON.stringify(input) : undefined,
    encoding: 'utf8',
  });
  return { code: result.status ?? -1, out: result.stdout, err: result.stderr };
}

const releaseWithOpenWrites = {
  apiVersion,
  kind: 'ModelRelease',
  metadata: { name: 'open-writes' },
  spec: { model: 'movielens', serving: { anonymousWrites: true } },
};

describe('helm upgrade from chart 0.1.0, then helm uninstall', () => {
  let ns: TestNamespace;

  beforeAll(async () => {
    // Earlier files installed this commit's CRDs; the old chart must install its own. Their runs'
    // artifact finalizers would hold the CRDs while no operator runs to clear them.
    await releaseArtifactFinalizers(kc);
    for (const name of crdNames) await crdApi.deleteCustomResourceDefinition({ name }).catch(() => {});
    await waitFor('the CRDs to be gone', async () => {
      const names = (await crdApi.listCustomResourceDefinition()).items.map((crd) => crd.metadata?.name);
      return crdNames.every((name) => !names.includes(name));
    });
    ns = await createTestNamespace('upgrade', { 'pod-security.kubernetes.io/enforce': 'restricted' });
  });
  afterAll(async () => {
    await ns?.delete();
  });

  it('serves the new CRD field once the CRD chart is upgraded, and leaves only the documented objects', async () => {
    await helm('install', 'mr', previousChart, '--namespace', ns.name, '--no-hooks');
    const apply = (object: object) => kubectl(['apply', '-n', ns.name, '-f', '-'], object);
    const refused = apply(releaseWithOpenWrites);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toMatch(/unknown field "spec\.serving\.anonymousWrites"/);

    // The CRDs 0.1.0 put there are not a release's: --take-ownership lets the CRD chart adopt them.
    await helm('upgrade', '--install', 'movie-reco-crds', join(charts, 'movie-reco-crds'), '--take-ownership');
    await helm('upgrade', 'mr', join(charts, 'movie-reco'), '--namespace', ns.name, '--no-hooks');
    const accepted = await waitFor('the upgraded CRD to take spec.serving.anonymousWrites', () => {
      const result = apply(releaseWithOpenWrites);
      return result.code === 0 && result;
    });
    expect(accepted.out).toMatch(/modelrelease.reco.mlops.dev\/open-writes (created|configured)/);
    const stored = JSON.parse(kubectl(['get', '-n', ns.name, 'mrel', 'open-writes', '-o', 'json']).out);
    expect(stored.spec.serving.anonymousWrites).toBe(true);
    expect(await helm('list', '--namespace', ns.name)).toMatch(/movie-reco-0\.2\.0/);

    // The StatefulSet controller makes the volume claims; wait for them, so that what is left is certain.
    const claimNames = ['data-mr-movie-reco-minio-0', 'data-mr-movie-reco-mysql-0'];
    await waitFor('the volume claims of MySQL and MinIO', () => {
      const claims = kubectl(['get', '-n', ns.name, 'pvc', '-o', 'name']).out;
      return claimNames.every((name) => claims.includes(name));
    });
    await helm('uninstall', 'mr', '--namespace', ns.name, '--no-hooks', '--wait');
    await helm('uninstall', 'movie-reco-crds');
    // docs/operating.md, "Uninstalling": the CRDs with every run and release, and the volume claims.
    for (const name of crdNames) await expect(crdApi.readCustomResourceDefinition({ name })).resolves.toBeDefined();
    expect(kubectl(['get', '-n', ns.name, 'mrel', 'open-writes', '-o', 'name']).out.trim()).toBe(
      'modelrelease.reco.mlops.dev/open-writes',
    );
    const remaining = kubectl([
      'get',
      '-n',
      ns.name,
      'deployments,statefulsets,services,serviceaccounts,secrets,configmaps,roles,rolebindings',
      '-l',
      'app.kubernetes.io/instance=mr',
      '-o',
      'name',
    ]);
    expect({ code: remaining.code, out: remaining.out }).toEqual({ code: 0, out: '' });
    const clusterRoles = kubectl(['get', 'clusterroles', '-o', 'name']).out.split('\n');
    expect(clusterRoles.filter((name) => name.includes(`/${ns.name}-`))).toEqual([]);
    const claims = kubectl(['get', '-n', ns.name, 'pvc', '-o', 'name']).out.trim().split('\n').sort();
    expect(claims).toEqual(claimNames.map((name) => `persistentvolumeclaim/${name}`));
  });
});
