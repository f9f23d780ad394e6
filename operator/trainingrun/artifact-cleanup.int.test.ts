/**
 * The artifacts finalizer against real MinIO and the API server, with the operator as a
 * ServiceAccount under deploy/rbac: a run pruned by historyLimit loses its objects, the champion's
 * and the previous champion's stay, also when their runs are deleted by hand.
 */
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/log.ts';
import {
  adminKubeConfig,
  createTestBucket,
  createTestNamespace,
  s3Coordinates,
  serviceAccountUser,
  type TestBucket,
  type TestNamespace,
} from '../../testenv/fixtures.ts';
import { waitFor } from '../../testenv/poll.ts';
import { installCrds } from '../api/install-crds.ts';
import { group, modelReleaseLabel, version, type ModelRelease, type TrainingRun } from '../api/resources.ts';
import { Operator } from '../manager.ts';
import { TenantBackends } from '../tenants/tenant-backends.ts';
import {
  bindOperatorRoles,
  finishTrainerPod,
  getTrainingRun,
  releaseArtifactFinalizers,
  trainingRunManifest,
} from '../testing.ts';

const kc = adminKubeConfig();
const objects = kc.makeApiClient(k8s.CustomObjectsApi);
const backendSecret = 'movie-reco-backend';

describe('artifacts of deleted and pruned runs', () => {
  let namespace: TestNamespace;
  let ops: TestNamespace;
  let bucket: TestBucket;
  let operator: Operator;
  let backends: TenantBackends;

  beforeAll(async () => {
    await installCrds(kc);
    namespace = await createTestNamespace('artifacts');
    ops = await createTestNamespace('artifacts-ops');
    bucket = await createTestBucket('artifacts');
    const s3 = s3Coordinates();
    await kc.makeApiClient(k8s.CoreV1Api).createNamespacedSecret({
      namespace: namespace.name,
      body: {
        metadata: { name: backendSecret },
        stringData: {
          MOVIE_RECO_ARTIFACT_STORE: `s3://${bucket.name}/models`,
          MOVIE_RECO_S3_ENDPOINT: s3.endpoint,
          MOVIE_RECO_S3_ACCESS_KEY: s3.accessKey,
          MOVIE_RECO_S3_SECRET_KEY: s3.secretKey,
        },
      },
    });
    const account = { namespace: ops.name, name: 'movie-reco-operator' };
    await bindOperatorRoles(kc, account, [namespace.name]);
    const user = await serviceAccountUser(account.namespace, account.name);
    const log = createLogger({ test: 'artifacts' }, { level: 'warn' });
    backends = new TenantBackends({ kc: user.kubeConfig, log });
    operator = new Operator({
      kc: user.kubeConfig,
      log,
      namespaces: [namespace.name],
      trainerImage: 'movie-reco:test',
      resyncMs: 500,
      artifactStores: backends,
    });
    await operator.start();
  });
  afterAll(async () => {
    await operator?.stop();
    await backends?.close();
    await bucket?.remove();
    if (namespace) await releaseArtifactFinalizers(kc, namespace.name);
    await namespace?.delete();
    await ops?.delete();
  });

  const keysOf = async (run: string) => {
    const keys: string[] = [];
    for await (const item of bucket.client.listObjectsV2(
      bucket.name,
      `models/movielens/${namespace.name}/${run}/`,
      true,
    ))
      if (item.name) keys.push(item.name);
    return keys.sort();
  };
  /** What the trainer writes: the data files, then the manifest. */
  const writeArtifact = async (run: string) => {
    for (const file of ['model.bin', 'manifest.json'])
      await bucket.client.putObject(bucket.name, `models/movielens/${namespace.name}/${run}/${file}`, `${run} ${file}`);
  };
  const release = async () =>
    (await objects.getNamespacedCustomObject({
      group,
      version,
      namespace: namespace.name,
      plural: 'modelreleases',
      name: 'movielens',
    })) as ModelRelease;
  const runExists = (name: string) =>
    getTrainingRun(kc, namespace.name, name).then(
      () => true,
      () => false,
    );

  /** A run of the release that the trainer finished, each better than the one before: it becomes champion. */
  async function finishedRun(n: number): Promise<void> {
    const ns = namespace.name;
    const name = `movielens-${n}`;
    await writeArtifact(name);
    await objects.createNamespacedCustomObject({
      group,
      version,
      namespace: ns,
      plural: 'trainingruns',
      body: {
        ...trainingRunManifest(name, { backendSecretRef: { name: backendSecret } }),
        metadata: { name, labels: { [modelReleaseLabel]: 'movielens' } },
      },
    });
    const pending = await waitFor(`${name} Pending with the finalizer`, async () => {
      const run = (await getTrainingRun(kc, ns, name)) as TrainingRun;
      return run.status?.phase === 'Pending' && run.metadata.finalizers?.includes('reco.mlops.dev/artifacts') && run;
    });
    expect(pending.metadata.finalizers).toEqual(['reco.mlops.dev/artifacts']);
    const result = {
      runId: `${ns}/${name}`,
      model: 'movielens',
      phase: 'Succeeded',
      dataset: { ratings: 1000, users: 10, movies: 50 },
      metrics: {
        rmse: 0.9,
        mae: 0.7,
        precisionAt10: 0.1,
        recallAt10: 0.05,
        ndcgAt10: 0.1 * n,
        coverage: 0.2,
        trainSeconds: 1,
      },
      artifact: { uri: `s3://${bucket.name}/models/movielens/${ns}/${name}`, digest: `sha256:${n}`, sizeBytes: 20 },
    };
    await finishTrainerPod(kc, ns, `${name}-train`, { succeeded: true, message: JSON.stringify(result) });
    await waitFor(`${name} champion`, async () => (await release()).status?.champion?.run === name);
  }

  it("deletes a pruned run's objects and keeps the champion's and the previous champion's", async () => {
    await objects.createNamespacedCustomObject({
      group,
      version,
      namespace: namespace.name,
      plural: 'modelreleases',
      body: {
        apiVersion: `${group}/${version}`,
        kind: 'ModelRelease',
        metadata: { name: 'movielens' },
        spec: {
          model: 'movielens',
          // No rating counter here: the release never starts a run, it only prunes.
          retrain: { minNewRatings: 1000, historyLimit: 1, template: { backendSecretRef: { name: backendSecret } } },
        },
      },
    });
    // Objects of a run that does not exist, whose name movielens-1 is a prefix of: never touched.
    await writeArtifact('movielens-10');
    for (const n of [1, 2, 3]) await finishedRun(n);

    // historyLimit 1 keeps movielens-3 (champion) and movielens-2 (previous champion); movielens-1 goes.
    await waitFor('movielens-1 pruned and gone', async () => !(await runExists('movielens-1')));
    expect(await keysOf('movielens-1')).toEqual([]);
    for (const kept of ['movielens-2', 'movielens-3', 'movielens-10']) expect(await keysOf(kept)).toHaveLength(2);
    expect(await runExists('movielens-2')).toBe(true);

    // The champion's run deleted by hand: the run goes, its artifact stays, and the Events say why.
    await objects.deleteNamespacedCustomObject({
      group,
      version,
      namespace: namespace.name,
      plural: 'trainingruns',
      name: 'movielens-3',
    });
    await waitFor('movielens-3 gone', async () => !(await runExists('movielens-3')));
    expect(await keysOf('movielens-3')).toHaveLength(2);
    const events = await kc.makeApiClient(k8s.CoreV1Api).listNamespacedEvent({ namespace: namespace.name });
    const told = (reason: string, kind: string, name: string) =>
      events.items
        .filter((e) => e.reason === reason && e.involvedObject.kind === kind && e.involvedObject.name === name)
        .map((e) => e.message);
    expect(told('ArtifactsKept', 'ModelRelease', 'movielens')).toContainEqual(
      expect.stringMatching(/movielens-3 .* kept: it is the champion of ModelRelease movielens/),
    );
    expect(told('ArtifactsDeleted', 'TrainingRun', 'movielens-1')).toContainEqual(
      `deleted 2 objects under s3://${bucket.name}/models/movielens/${namespace.name}/movielens-1/`,
    );
  });
});
