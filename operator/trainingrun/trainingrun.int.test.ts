import { setTimeout as sleep } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/log.ts';
import { adminKubeConfig, createTestNamespace, type TestNamespace } from '../../testenv/fixtures.ts';
import { group, version } from '../api/resources.ts';
import { installCrds } from '../api/install-crds.ts';
import { Operator } from '../manager.ts';
import { finishTrainerPod, getTrainingRun, trainingRunManifest } from '../testing.ts';
import { waitFor } from '../../testenv/poll.ts';

const kc = adminKubeConfig();
const objects = kc.makeApiClient(k8s.CustomObjectsApi);
const batch = kc.makeApiClient(k8s.BatchV1Api);
const core = kc.makeApiClient(k8s.CoreV1Api);
const log = createLogger({ test: 'trainingrun' }, { level: 'warn' });

const result = {
  runId: 'set-below',
  model: 'movielens',
  phase: 'Succeeded',
  dataset: { ratings: 100_836, users: 610, movies: 9742, maxRatingId: 100_836 },
  metrics: {
    rmse: 0.8712,
    mae: 0.6701,
    precisionAt10: 0.081,
    recallAt10: 0.043,
    ndcgAt10: 0.102,
    coverage: 0.31,
    trainSeconds: 4.2,
  },
  artifact: { uri: 's3://models/movielens/run', digest: 'sha256:4f2a', sizeBytes: 1_234_567 },
};

describe('TrainingRun reconcile against the real API server', () => {
  let namespace: TestNamespace;
  let operators: Operator[] = [];
  const startOperator = async () => {
    const operator = new Operator({ kc, log, namespace: namespace.name, trainerImage: 'movie-reco:test', workers: 2 });
    operators.push(operator);
    await operator.start();
    return operator;
  };
  const createRun = (name: string, spec: Record<string, unknown> = {}) =>
    objects.createNamespacedCustomObject({
      group,
      version,
      namespace: namespace.name,
      plural: 'trainingruns',
      body: trainingRunManifest(name, spec),
    });
  const jobsOf = async (run: string) =>
    (await batch.listNamespacedJob({ namespace: namespace.name, labelSelector: `reco.mlops.dev/training-run=${run}` }))
      .items;

  beforeAll(async () => {
    await installCrds(kc);
    namespace = await createTestNamespace('trainingrun');
    await core.createNamespacedSecret({
      namespace: namespace.name,
      body: { metadata: { name: 'backend' }, stringData: { MOVIE_RECO_DATABASE_URL: 'mysql://x' } },
    });
  });
  afterEach(async () => {
    await Promise.all(operators.map((o) => o.stop()));
    operators = [];
  });
  afterAll(async () => namespace?.delete());

  it('creates exactly one owned, hardened trainer Job and reports Pending', async () => {
    const created = await createRun('first');
    await startOperator();
    const run = await waitFor('status Pending', async () => {
      const current = await getTrainingRun(kc, namespace.name, 'first');
      return current.status?.phase === 'Pending' && current;
    });
    const jobs = await jobsOf('first');
    expect(jobs).toHaveLength(1);
    const job = jobs[0]!;
    expect(job.metadata?.name).toBe('first-train');
    expect(job.metadata?.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'TrainingRun',
        name: 'first',
        uid: created.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      }),
    ]);
    expect(job.spec?.template.spec?.containers[0]?.envFrom).toEqual([{ secretRef: { name: 'backend' } }]);
    expect(run.status).toMatchObject({
      jobName: 'first-train',
      runId: `${namespace.name}/first`,
      observedGeneration: 1,
    });
    expect(run.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'JobCreated', status: 'True', reason: 'Created' }),
    );
  });

  it('creates exactly one Job per run although the operator is stopped and restarted mid-way', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `restart-${i}`);
    await Promise.all(names.map((name) => createRun(name)));
    for (let i = 0; i < 6; i++) {
      const operator = new Operator({
        kc,
        log,
        namespace: namespace.name,
        trainerImage: 'movie-reco:test',
        workers: 4,
      });
      const starting = operator.start();
      await sleep(i * 15);
      await operator.stop();
      await starting;
    }
    await startOperator();
    for (const name of names) {
      await waitFor(
        `${name} Pending`,
        async () => (await getTrainingRun(kc, namespace.name, name)).status?.phase === 'Pending',
      );
      expect(await jobsOf(name), name).toHaveLength(1);
    }
  });

  it('drives a run to Succeeded with metrics, dataset and digest from the termination message', async () => {
    const created = await createRun('succeeds');
    await startOperator();
    await waitFor('job', async () => (await jobsOf('succeeds')).length === 1);
    await finishTrainerPod(kc, namespace.name, 'succeeds-train', {
      succeeded: true,
      message: JSON.stringify({ ...result, runId: created.metadata.uid }),
    });
    const run = await waitFor('Succeeded', async () => {
      const current = await getTrainingRun(kc, namespace.name, 'succeeds');
      return current.status?.phase === 'Succeeded' && current;
    });
    expect(run.status).toMatchObject({ metrics: result.metrics, dataset: result.dataset, artifact: result.artifact });
    expect(run.status.completionTime).toBeDefined();
    expect(run.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Succeeded', status: 'True', reason: 'TrainingSucceeded' }),
    );
    const events = await waitFor('TrainingSucceeded event', async () => {
      const list = await core.listNamespacedEvent({
        namespace: namespace.name,
        fieldSelector: `involvedObject.name=succeeds`,
      });
      return list.items.some((e) => e.reason === 'TrainingSucceeded') && list.items;
    });
    expect(events.map((e) => e.reason)).toEqual(expect.arrayContaining(['JobCreated', 'TrainingSucceeded']));
    const printed = await kc.makeApiClient(k8s.CustomObjectsApi).getNamespacedCustomObject({
      group,
      version,
      namespace: namespace.name,
      plural: 'trainingruns',
      name: 'succeeds',
    });
    expect(printed.status.metrics.rmse).toBe(0.8712);
  });

  it("drives a run to Failed with the trainer's reason in its condition", async () => {
    await createRun('fails');
    await startOperator();
    await waitFor('job', async () => (await jobsOf('fails')).length === 1);
    await finishTrainerPod(kc, namespace.name, 'fails-train', {
      succeeded: false,
      message: JSON.stringify({
        runId: 'x',
        model: 'movielens',
        phase: 'Failed',
        reason: 'no ratings with id <= 5 in the database',
      }),
    });
    const run = await waitFor('Failed', async () => {
      const current = await getTrainingRun(kc, namespace.name, 'fails');
      return current.status?.phase === 'Failed' && current;
    });
    expect(run.status.conditions).toContainEqual(
      expect.objectContaining({
        type: 'Succeeded',
        status: 'False',
        reason: 'TrainerFailed',
        message: 'no ratings with id <= 5 in the database',
      }),
    );
  });
});
