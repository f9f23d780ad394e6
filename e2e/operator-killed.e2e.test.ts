/**
 * Drill: the operator is killed (SIGKILL, no goodbye) while a trainer runs and again in the middle
 * of a rollout. The restarted operator must find the Job it made instead of making another,
 * promote exactly once, and finish the rollout.
 */
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiVersion } from '../operator/api/resources.ts';
import { openDatabase, type Database } from '../storage/database.ts';
import { listPromotions } from '../storage/promotions.ts';
import {
  authSecret,
  backendSecret,
  startLocalCluster,
  trainingRunManifest,
  type LocalCluster,
} from './local-cluster.ts';
import { waitFor } from '../testenv/poll.ts';
import { StoryLog } from './story-log.ts';

const story = new StoryLog();
const release = 'movielens';
const service = `${release}-inference`;
let cluster: LocalCluster;
let db: Database;

async function jobsOf(run: string): Promise<string[]> {
  const jobs = await cluster.kc
    .makeApiClient(k8s.BatchV1Api)
    .listNamespacedJob({ namespace: cluster.namespace, labelSelector: `reco.mlops.dev/training-run=${run}` });
  return jobs.items.map((job) => job.metadata!.name!);
}

beforeAll(async () => {
  story.chapter('Drill: kill the operator');
  cluster = await startLocalCluster({ prefix: 'e2e-opkill', leaseDurationSeconds: 3 });
  db = await openDatabase(cluster.database.url);
  const loaded = await cluster.loadRatings(1, '1');
  story.say('ml-latest-small loaded', loaded);
  await cluster.apply({
    apiVersion,
    kind: 'ModelRelease',
    metadata: { name: release },
    spec: {
      model: 'movielens',
      promotion: { metric: 'rmse' },
      serving: { replicas: 2, backendSecretRef: { name: backendSecret }, authSecretRef: { name: authSecret } },
    },
  });
});

afterAll(async () => {
  await db?.close();
  await cluster?.close();
});

describe('the operator killed and restarted', () => {
  it('during a training run: one Job, the run finishes, the model is promoted and served', async () => {
    await cluster.apply(trainingRunManifest('movielens-svd', { name: 'svd', factors: 16, epochs: 5 }));
    await cluster.trainerRunning('movielens-svd');
    await cluster.operator.kill();
    story.say('operator killed while the trainer runs');
    await waitFor(
      'the Job to complete without the operator',
      async () => {
        const job = await cluster.kc
          .makeApiClient(k8s.BatchV1Api)
          .readNamespacedJob({ namespace: cluster.namespace, name: 'movielens-svd-train' });
        return (job.status?.succeeded ?? 0) > 0;
      },
      { timeoutMs: 120_000 },
    );
    const restarted = Date.now();
    await cluster.restartOperator();
    await waitFor(
      'the run promoted and served after the restart',
      () => cluster.servingRun(release, 'movielens-svd', 2),
      { timeoutMs: 120_000 },
    );
    story.say('converged after the restart', { seconds: (Date.now() - restarted) / 1000 });
    expect(await jobsOf('movielens-svd')).toEqual(['movielens-svd-train']);
    expect((await cluster.trainingRun('movielens-svd')).status?.phase).toBe('Succeeded');
  });

  it('during a rollout: the rollout finishes and the promotion is recorded exactly once', async () => {
    await cluster.apply(trainingRunManifest('movielens-blend', { name: 'blend' }));
    await waitFor(
      'the blend run promoted',
      async () => (await cluster.release(release)).status?.champion?.run === 'movielens-blend',
      { timeoutMs: 180_000, intervalMs: 20 },
    );
    // The champion changed in status, the Deployment is mid-rollout: that is the moment to die.
    await cluster.operator.kill();
    const deployment = await cluster.kc
      .makeApiClient(k8s.AppsV1Api)
      .readNamespacedDeployment({ namespace: cluster.namespace, name: service });
    const onTheNewModel = await cluster.endpointsServing(release, 'movielens-blend');
    story.say('operator killed mid-rollout', {
      updatedReplicas: deployment.status?.updatedReplicas ?? 0,
      readyReplicas: deployment.status?.readyReplicas ?? 0,
      replicasServingTheNewModel: onTheNewModel.length,
    });
    // The rollout was unfinished when the operator died: the restarted one has to carry it on.
    expect(onTheNewModel.length).toBeLessThan(2);
    const restarted = Date.now();
    await cluster.restartOperator();
    await waitFor('the new champion served on both replicas', () => cluster.servingRun(release, 'movielens-blend', 2), {
      timeoutMs: 120_000,
    });
    story.say('converged after the restart', { seconds: (Date.now() - restarted) / 1000 });
    const current = await cluster.release(release);
    expect(current.status?.history?.filter((entry) => entry.run === 'movielens-blend')).toHaveLength(1);
    expect(await jobsOf('movielens-blend')).toEqual(['movielens-blend-train']);
    const promotions = await listPromotions(db, 'movielens');
    story.say('promotions recorded in MySQL', { runs: promotions.map((p) => p.runId) });
    expect(promotions.filter((p) => p.runId.endsWith('movielens-blend'))).toHaveLength(1);
    expect(promotions.filter((p) => p.runId.endsWith('movielens-svd'))).toHaveLength(1);
  });
});
