import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/log.ts';
import { openDataset } from '../../data/dataset.ts';
import { movielensDir } from '../../data/test-files.ts';
import { readArtifact } from '../../storage/artifact-store.ts';
import { loadDataset } from '../../storage/bulk-load.ts';
import { type Database, openDatabase } from '../../storage/database.ts';
import { migrateToLatest } from '../../storage/migrations.ts';
import { openObjectStore } from '../../storage/open-object-store.ts';
import { listTrials, trialRunId } from '../../storage/search-trials.ts';
import { getRun, listEpochs } from '../../storage/training-runs.ts';
import {
  adminKubeConfig,
  createTestBucket,
  createTestDatabase,
  createTestNamespace,
  kubeconfigPath,
  type RunningControllerManager,
  s3Coordinates,
  startControllerManager,
  type TestBucket,
  type TestDatabase,
  type TestNamespace,
  testEnv,
} from '../../testenv/fixtures.ts';
import { startPodRunner, type PodRunner } from '../../testenv/pod-runner.ts';
import { waitFor } from '../../testenv/poll.ts';
import { group, type TrainingRun, version } from '../api/resources.ts';
import { installCrds } from '../api/install-crds.ts';
import { Operator } from '../manager.ts';
import { getTrainingRun, trainingRunManifest } from '../testing.ts';

const kc = adminKubeConfig();
const objects = kc.makeApiClient(k8s.CustomObjectsApi);
const batch = kc.makeApiClient(k8s.BatchV1Api);
const core = kc.makeApiClient(k8s.CoreV1Api);
const log = createLogger({ test: 'search' }, { level: 'warn' });

/** Trials are trainer processes started by the pod runner: minutes on a busy machine, not seconds. */
const slowly = { timeoutMs: 300_000, intervalMs: 500 };

describe('a hyperparameter search run by the operator, its trials trained by the pod runner', () => {
  let controllerManager: RunningControllerManager;
  let namespace: TestNamespace;
  let database: TestDatabase;
  let bucket: TestBucket;
  let runner: PodRunner;
  let db: Database;
  let operator: Operator | undefined;
  const startOperator = async () => {
    operator = new Operator({ kc, log, namespace: namespace.name, trainerImage: 'movie-reco:test', workers: 2 });
    await operator.start();
  };

  beforeAll(async () => {
    await installCrds(kc);
    [controllerManager, namespace, database, bucket] = await Promise.all([
      startControllerManager(),
      createTestNamespace('search'),
      createTestDatabase('search'),
      createTestBucket('search'),
    ]);
    db = await openDatabase(database.url);
    await migrateToLatest(db);
    await loadDataset(db, await openDataset(join(movielensDir(), 'ml-100k')), { batches: 5 });
    const s3 = s3Coordinates();
    await core.createNamespacedSecret({
      namespace: namespace.name,
      body: {
        metadata: { name: 'backend' },
        stringData: {
          MOVIE_RECO_DATABASE_URL: database.url,
          MOVIE_RECO_ARTIFACT_STORE: `s3://${bucket.name}/models`,
          MOVIE_RECO_S3_ENDPOINT: s3.endpoint,
          MOVIE_RECO_S3_ACCESS_KEY: s3.accessKey,
          MOVIE_RECO_S3_SECRET_KEY: s3.secretKey,
        },
      },
    });
    const work = mkdtempSync(join(testEnv('MOVIE_RECO_TEST_ENV_DIR'), 'search-'));
    runner = await startPodRunner({ kubeConfig: kc, namespace: namespace.name, logDir: join(work, 'pods') });
  }, 300_000);
  afterAll(async () => {
    await operator?.stop();
    await runner?.stop();
    await db?.close();
    await namespace?.delete();
    await Promise.all([controllerManager?.stop(), database?.drop(), bucket?.remove()]);
  });

  it('trains 4 trials, 2 at a time, in one Indexed Job; stops the slow one; survives a restart', async () => {
    // Grid order. Trials 0 and 1 start together, before any curve is recorded. Trial 2 (0.05) learns
    // faster than both at every epoch, so the rule never stops it, whichever of them it is compared with.
    // Trial 3 (0.001) learns far slower than all and starts once two trials finished (parallelism 2),
    // so the median rule has at least two curves to stop it with.
    const search = {
      objective: { metric: 'validationRmse', direction: 'minimize' },
      method: 'grid',
      parameters: { learningRate: { values: [0.02, 0.015, 0.05, 0.001] } },
      maxTrials: 4,
      parallelism: 2,
      earlyStopping: { minEpochs: 2, minTrials: 2 },
    };
    await objects.createNamespacedCustomObject({
      group,
      version,
      namespace: namespace.name,
      plural: 'trainingruns',
      body: trainingRunManifest('search', {
        dataset: { upToBatch: 2 },
        algorithm: { name: 'blend', factors: 16, epochs: 4 },
        search,
      }),
    });
    await startOperator();
    const jobName = 'search-train';

    // The operator goes away while trials are under way and another one takes over.
    await waitFor(
      'a first trial finished',
      async () => ((await getTrainingRun(kc, namespace.name, 'search')) as TrainingRun).status?.search?.finished,
      slowly,
    );
    await operator!.stop();
    // the Job controller may not have counted the first finished pod yet: none counted is 0
    const succeededAtRestart =
      (await batch.readNamespacedJob({ name: jobName, namespace: namespace.name })).status?.succeeded ?? 0;
    await startOperator();

    const run = (await waitFor(
      'the search Succeeded',
      async () => {
        const current = (await getTrainingRun(kc, namespace.name, 'search')) as TrainingRun;
        if (current.status?.phase === 'Failed') throw new Error(`search failed: ${current.status.message}`);
        return current.status?.phase === 'Succeeded' && current;
      },
      slowly,
    )) as TrainingRun;
    expect(succeededAtRestart, 'the restart landed mid-search').toBeLessThan(4);

    // One Indexed Job, every index completed once, by exactly one pod each.
    const jobs = (
      await batch.listNamespacedJob({ namespace: namespace.name, labelSelector: 'reco.mlops.dev/training-run=search' })
    ).items;
    expect(jobs.map((job) => job.metadata?.name)).toEqual([jobName]);
    expect(jobs[0]!.spec).toMatchObject({ completionMode: 'Indexed', completions: 4, parallelism: 2 });
    expect(jobs[0]!.status).toMatchObject({ completedIndexes: '0-3', succeeded: 4 });
    const pods = (
      await core.listNamespacedPod({
        namespace: namespace.name,
        labelSelector: `batch.kubernetes.io/job-name=${jobName}`,
      })
    ).items;
    const indexes = pods.map((pod) => pod.metadata?.annotations?.['batch.kubernetes.io/job-completion-index']);
    expect(indexes.sort()).toEqual(['0', '1', '2', '3']);

    // The trial records: each trained once, the slow one stopped by the median rule after minEpochs.
    const runId = `${namespace.name}/search`;
    const records = await listTrials(db, runId);
    expect(records.map((r) => [r.index, r.state, r.parameters.learningRate])).toEqual([
      [0, 'Succeeded', 0.02],
      [1, 'Succeeded', 0.015],
      [2, 'Succeeded', 0.05],
      [3, 'Stopped', 0.001],
    ]);
    expect(records[3]!.stoppedAtEpoch).toBe(2);
    expect((await listEpochs(db, trialRunId(runId, 3))).map((e) => e.epoch)).toEqual([1, 2]);
    for (const index of [0, 1, 2, 3]) expect((await getRun(db, trialRunId(runId, index)))?.attempts).toBe(1);

    // The run's status lists them, names the best by validation RMSE, and is the best trial's result.
    const status = run.status!;
    expect(status.search?.trials?.map((t) => [t.index, t.state, t.parameters?.learningRate])).toEqual(
      records.map((r) => [r.index, r.state, r.parameters.learningRate]),
    );
    const values = records.map((r) => r.objectiveValue!);
    const best = values.indexOf(Math.min(...values));
    expect(status.search).toMatchObject({ total: 4, finished: 4, progress: '4/4', best: { index: best } });
    expect(best).not.toBe(3);
    const bestRecord = await getRun(db, trialRunId(runId, best));
    expect(status.artifact).toEqual(bestRecord?.artifact);
    expect(status.metrics?.rmse).toBeCloseTo(bestRecord!.metrics.rmse!, 9);
    expect(status.artifact?.uri).toBe(`s3://${bucket.name}/models/movielens/${runId}/trial-${best}`);
    const s3 = s3Coordinates();
    const store = openObjectStore(`s3://${bucket.name}/models`, { s3: { ...s3, region: undefined } });
    const artifact = await readArtifact(store, `movielens/${runId}/trial-${best}`, status.artifact!.digest!);
    expect(artifact.manifest.run).toBe(trialRunId(runId, best));

    // kubectl get trun shows the progress, -o wide the best objective
    const wide = spawnSync(
      'kubectl',
      ['--kubeconfig', kubeconfigPath(), 'get', 'trun', 'search', '-o', 'wide', '-n', namespace.name],
      {
        encoding: 'utf8',
      },
    ).stdout;
    expect(wide).toMatch(/^NAME\s.*\sTRIALS\s+BEST\s/);
    expect(wide).toMatch(/\nsearch\s.*\s4\/4\s+0\.\d+\s/);
  }, 600_000);
});
