/**
 * The artifacts finalizer against real MinIO, MariaDB and the API server, with the operator as a
 * ServiceAccount under deploy/rbac: a run pruned by historyLimit loses its objects, the champion's
 * and the previous champion's stay, also when their runs are deleted by hand; a search's trials'
 * objects and records go with it, but its best trial's record (the run's result), and its best
 * trial's artifact while a release needs it.
 */
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/log.ts';
import { type Database, openDatabase } from '../../storage/database.ts';
import { migrateToLatest } from '../../storage/migrations.ts';
import { listTrials, recordTrial, trialRunId } from '../../storage/search-trials.ts';
import { getRun, listEpochs, recordEpoch, startRun } from '../../storage/training-runs.ts';
import {
  adminKubeConfig,
  createTestBucket,
  createTestDatabase,
  createTestNamespace,
  s3Coordinates,
  serviceAccountUser,
  type TestBucket,
  type TestDatabase,
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
  trainerMetrics,
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
  let database: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    await installCrds(kc);
    namespace = await createTestNamespace('artifacts');
    ops = await createTestNamespace('artifacts-ops');
    bucket = await createTestBucket('artifacts');
    database = await createTestDatabase('artifacts');
    db = await openDatabase(database.url);
    await migrateToLatest(db);
    const s3 = s3Coordinates();
    await kc.makeApiClient(k8s.CoreV1Api).createNamespacedSecret({
      namespace: namespace.name,
      body: {
        metadata: { name: backendSecret },
        stringData: {
          MOVIE_RECO_DATABASE_URL: database.url,
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
    await db?.close();
    await database?.drop();
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
  /** What the trainer writes: the data files, then the manifest (`run/trial-i` for a trial). */
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

  /** What the trainer reports of a run (or trial) `runId` of ndcgAt10 `ndcg`. */
  const trainerResult = (runId: string, ndcg: number) => ({
    runId,
    model: 'movielens',
    phase: 'Succeeded',
    dataset: { ratings: 1000, users: 10, movies: 50 },
    metrics: trainerMetrics(ndcg),
    artifact: { uri: `s3://${bucket.name}/models/movielens/${runId}`, digest: `sha256:${ndcg}`, sizeBytes: 20 },
  });

  /** Creates a run (of the release when `ofRelease`) and waits until the finalizer is on it. */
  async function createRun(name: string, spec: Record<string, unknown>, ofRelease: boolean): Promise<void> {
    const ns = namespace.name;
    await objects.createNamespacedCustomObject({
      group,
      version,
      namespace: ns,
      plural: 'trainingruns',
      body: {
        ...trainingRunManifest(name, { backendSecretRef: { name: backendSecret }, ...spec }),
        metadata: { name, ...(ofRelease ? { labels: { [modelReleaseLabel]: 'movielens' } } : {}) },
      },
    });
    const pending = await waitFor(`${name} Pending with the finalizer`, async () => {
      const run = (await getTrainingRun(kc, ns, name)) as TrainingRun;
      return run.status?.phase === 'Pending' && run.metadata.finalizers?.includes('reco.mlops.dev/artifacts') && run;
    });
    expect(pending.metadata.finalizers).toEqual(['reco.mlops.dev/artifacts']);
  }

  /** A run of the release that the trainer finished, each better than the one before: it becomes champion. */
  async function finishedRun(n: number): Promise<void> {
    const ns = namespace.name;
    const name = `movielens-${n}`;
    await writeArtifact(name);
    await createRun(name, {}, true);
    const message = JSON.stringify(trainerResult(`${ns}/${name}`, 0.1 * n));
    await finishTrainerPod(kc, ns, `${name}-train`, { succeeded: true, message });
    await waitFor(`${name} champion`, async () => (await release()).status?.champion?.run === name);
  }

  /**
   * A search of two trials as its trainers leave it: each trial's objects, run record, epochs and
   * trial record, then the Indexed Job's pods with their results. Trial 1 is the best
   * (ndcgAt10 `ndcg`, validation RMSE 0.8 against 0.9), so it becomes the run's result.
   */
  async function finishedSearch(name: string, ndcg: number, ofRelease: boolean): Promise<TrainingRun> {
    const ns = namespace.name;
    const searchRunId = `${ns}/${name}`;
    const learningRates = [0.01, 0.02];
    await createRun(
      name,
      {
        search: {
          objective: { metric: 'validationRmse', direction: 'minimize' },
          method: 'grid',
          parameters: { learningRate: { values: learningRates } },
          maxTrials: 2,
        },
      },
      ofRelease,
    );
    const messages = [];
    for (const [index, learningRate] of learningRates.entries()) {
      const runId = trialRunId(searchRunId, index);
      const value = index === 1 ? 0.8 : 0.9;
      await writeArtifact(`${name}/trial-${index}`);
      await startRun(db, { runId, model: 'movielens', params: { learningRate } });
      await recordEpoch(db, runId, { epoch: 1, trainLoss: 1, validationRmse: value, seconds: 0.1 });
      await recordTrial(db, {
        runId,
        searchRunId,
        index,
        state: 'Succeeded',
        parameters: { learningRate },
        objectiveValue: value,
        stoppedAtEpoch: null,
        objective: { metric: 'validationRmse', direction: 'minimize' },
      });
      const trial = { index, state: 'Succeeded', parameters: { learningRate }, value };
      messages.push(JSON.stringify({ ...trainerResult(runId, index === 1 ? ndcg : ndcg / 2), trial }));
    }
    await finishTrainerPod(kc, ns, `${name}-train`, { trialMessages: messages });
    return (await waitFor(`${name} Succeeded`, async () => {
      const run = (await getTrainingRun(kc, ns, name)) as TrainingRun;
      return run.status?.phase === 'Succeeded' && run;
    })) as TrainingRun;
  }

  const deleteRun = async (name: string) => {
    await objects.deleteNamespacedCustomObject({
      group,
      version,
      namespace: namespace.name,
      plural: 'trainingruns',
      name,
    });
    await waitFor(`${name} gone`, async () => !(await runExists(name)));
  };
  const eventsOf = async () => {
    const events = await kc.makeApiClient(k8s.CoreV1Api).listNamespacedEvent({ namespace: namespace.name });
    return (reason: string, kind: string, name: string) =>
      events.items
        .filter((e) => e.reason === reason && e.involvedObject.kind === kind && e.involvedObject.name === name)
        .map((e) => e.message);
  };

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
    await deleteRun('movielens-3');
    expect(await keysOf('movielens-3')).toHaveLength(2);
    const told = await eventsOf();
    expect(told('ArtifactsKept', 'ModelRelease', 'movielens')).toContainEqual(
      expect.stringMatching(/movielens-3 .* kept: it is the champion of ModelRelease movielens/),
    );
    expect(told('ArtifactsDeleted', 'TrainingRun', 'movielens-1')).toContainEqual(
      `deleted 2 objects under s3://${bucket.name}/models/movielens/${namespace.name}/movielens-1/`,
    );
  });

  it("deletes a search's trials' objects and records with it, never those of a run its name begins", async () => {
    const ns = namespace.name;
    // A run `searched-b` whose name `searched` is a prefix of: its objects and trial record stay.
    await writeArtifact('searched-b/trial-0');
    await startRun(db, { runId: trialRunId(`${ns}/searched-b`, 0), model: 'movielens', params: {} });
    const searched = await finishedSearch('searched', 0.01, false);
    expect(searched.status?.search?.best?.index).toBe(1);
    expect(await keysOf('searched')).toHaveLength(4);

    await deleteRun('searched');
    expect(await keysOf('searched')).toEqual([]);
    expect(await keysOf('searched-b')).toHaveLength(2);
    // The best trial's record is the run's result, kept as every run record is; the other trial's goes.
    expect((await listTrials(db, `${ns}/searched`)).map((trial) => trial.index)).toEqual([1]);
    expect(await getRun(db, trialRunId(`${ns}/searched`, 0))).toBeNull();
    expect(await listEpochs(db, trialRunId(`${ns}/searched`, 0))).toEqual([]);
    expect(await getRun(db, trialRunId(`${ns}/searched`, 1))).not.toBeNull();
    expect(await getRun(db, trialRunId(`${ns}/searched-b`, 0))).not.toBeNull();
    const told = await eventsOf();
    expect(told('ArtifactsDeleted', 'TrainingRun', 'searched')).toContainEqual(
      `deleted 4 objects under s3://${bucket.name}/models/movielens/${ns}/searched/`,
    );
    expect(told('TrialRecordsDeleted', 'TrainingRun', 'searched')).toContainEqual(
      `deleted the records of 1 trials of ${ns}/searched; trial 1's stays, the run's result`,
    );
  });

  it("keeps a deleted champion search's best trial's artifact and lets its other trials go", async () => {
    const ns = namespace.name;
    const champion = await finishedSearch('search-champion', 0.9, true);
    await waitFor(
      'search-champion champion',
      async () => (await release()).status?.champion?.run === 'search-champion',
    );
    expect(champion.status?.artifact?.uri).toBe(`s3://${bucket.name}/models/movielens/${ns}/search-champion/trial-1`);
    // Objects of a trial 10 the Job never ran: `trial-1` begins its folder's name, `trial-1/` none of its keys.
    await writeArtifact('search-champion/trial-10');

    await deleteRun('search-champion');
    expect(await keysOf('search-champion')).toEqual([
      `models/movielens/${ns}/search-champion/trial-1/manifest.json`,
      `models/movielens/${ns}/search-champion/trial-1/model.bin`,
    ]);
    expect((await listTrials(db, `${ns}/search-champion`)).map((trial) => trial.index)).toEqual([1]);
    const told = await eventsOf();
    expect(told('ArtifactsKept', 'TrainingRun', 'search-champion')).toContainEqual(
      `the best trial's artifact of search-champion (movielens/${ns}/search-champion/trial-1/) kept: ` +
        'it is the champion of ModelRelease movielens',
    );
  });
});
