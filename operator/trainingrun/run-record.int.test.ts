import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/log.ts';
import { openDatabase, type Database } from '../../storage/database.ts';
import { migrateToLatest } from '../../storage/migrations.ts';
import { finishRun, getRun, startRun } from '../../storage/training-runs.ts';
import {
  adminKubeConfig,
  createTestDatabase,
  createTestNamespace,
  type TestDatabase,
  type TestNamespace,
} from '../../testenv/fixtures.ts';
import { group, version } from '../api/resources.ts';
import { installCrds } from '../api/install-crds.ts';
import { Operator } from '../manager.ts';
import { finishTrainerPod, getTrainingRun, trainingRunManifest } from '../testing.ts';
import { waitFor } from '../../testenv/poll.ts';
import { resultFromRecord } from './run-record.ts';

const kc = adminKubeConfig();

describe('a finished run whose termination message was lost', () => {
  let namespace: TestNamespace;
  let testDb: TestDatabase;
  let db: Database;
  let operator: Operator;

  beforeAll(async () => {
    await installCrds(kc);
    namespace = await createTestNamespace('run-record');
    testDb = await createTestDatabase('operator_run_record');
    db = await openDatabase(testDb.url);
    await migrateToLatest(db);
    operator = new Operator({
      kc,
      log: createLogger({ test: 'run-record' }, { level: 'warn' }),
      namespace: namespace.name,
      trainerImage: 'movie-reco:test',
      readRunRecord: async (runId) => resultFromRecord(await getRun(db, runId)),
    });
    await operator.start();
  });
  afterAll(async () => {
    await operator?.stop();
    await db?.close();
    await testDb?.drop();
    await namespace?.delete();
  });

  it('takes metrics and artifact from the MySQL run record the trainer wrote', async () => {
    const ns = namespace.name;
    await kc.makeApiClient(k8s.CustomObjectsApi).createNamespacedCustomObject({
      group,
      version,
      namespace: ns,
      plural: 'trainingruns',
      body: trainingRunManifest('lost-message'),
    });
    const pending = await waitFor('Pending', async () => {
      const run = await getTrainingRun(kc, ns, 'lost-message');
      return run.status?.phase === 'Pending' && run;
    });
    const runId = pending.status.runId as string;
    expect(runId).toBe(`${ns}/lost-message`);
    await startRun(db, { runId, model: 'movielens', params: {} });
    const metrics = {
      rmse: 0.88,
      mae: 0.68,
      precisionAt10: 0.09,
      recallAt10: 0.04,
      ndcgAt10: 0.11,
      coverage: 0.25,
      trainSeconds: 3.5,
    };
    await finishRun(db, runId, {
      status: 'Succeeded',
      metrics,
      rankingModel: 'ease',
      artifact: { uri: 's3://models/movielens/lost', digest: 'sha256:lost', sizeBytes: 42 },
    });

    await finishTrainerPod(kc, ns, 'lost-message-train', { succeeded: true, message: '' });
    const run = await waitFor('Succeeded from the run record', async () => {
      const current = await getTrainingRun(kc, ns, 'lost-message');
      return current.status?.phase === 'Succeeded' && current;
    });
    expect(run.status).toMatchObject({
      metrics,
      // kept by the CRD's schema, shown by `kubectl get tr` as Ranking
      rankingModel: 'ease',
      artifact: { uri: 's3://models/movielens/lost', digest: 'sha256:lost', sizeBytes: 42 },
    });
  });
});
