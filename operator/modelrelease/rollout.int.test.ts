import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/log.ts';
import type { UserRecommendations } from '../../inference/api-shapes.ts';
import { serveConfigFromEnv } from '../../inference/config.ts';
import { figuresFromCounts, onlineCountsFromMetrics } from '../../inference/online-figures.ts';
import { startService, type RunningService } from '../../inference/service.ts';
import { seedCatalogue } from '../../inference/testing/catalogue.ts';
import { bucketWithTestModels, testS3Env, type TestModelRun } from '../../inference/testing/test-models-bucket.ts';
import {
  adminKubeConfig,
  createTestDatabase,
  createTestNamespace,
  type TestBucket,
  type TestDatabase,
  type TestNamespace,
} from '../../testenv/fixtures.ts';
import { waitFor } from '../../testenv/poll.ts';
import {
  group,
  managedByLabel,
  managedByValue,
  type ModelRelease,
  modelReleaseLabel,
  version,
} from '../api/resources.ts';
import { installCrds } from '../api/install-crds.ts';
import { restrictedContainerSecurity, restrictedPodSecurity } from '../kit/pod-spec.ts';
import { Operator } from '../manager.ts';
import { trainingRunManifest } from '../testing.ts';
import type { GateDecisionRecord } from './decide.ts';

const kc = adminKubeConfig();
const objects = kc.makeApiClient(k8s.CustomObjectsApi);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const core = kc.makeApiClient(k8s.CoreV1Api);
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

/**
 * A Shadow rollout end to end but for kubelet: the operator against the real API server, and the
 * inference service (MinIO artifacts, MariaDB ratings) standing in for the pod it reads metrics from.
 */
describe('a Shadow rollout judged on the ratings posted to the inference service', () => {
  let namespace: TestNamespace;
  let operator: Operator;
  let database: TestDatabase;
  let bucket: TestBucket;
  let digests: Record<TestModelRun, string>;
  let service: RunningService | undefined;
  const decisions: GateDecisionRecord[] = [];
  const ref = () => ({ group, version, namespace: namespace.name });
  const release = async () =>
    (await objects.getNamespacedCustomObject({ ...ref(), plural: 'modelreleases', name: 'movielens' })) as ModelRelease;

  async function succeededRun(name: 'run-a' | 'run-b', ndcgAt10: number) {
    await objects.createNamespacedCustomObject({ ...ref(), plural: 'trainingruns', body: trainingRunManifest(name) });
    await objects.patchNamespacedCustomObjectStatus(
      {
        ...ref(),
        plural: 'trainingruns',
        name,
        body: {
          status: {
            phase: 'Succeeded',
            completionTime: `2026-11-0${name === 'run-a' ? 1 : 2}T00:00:00.000Z`,
            metrics: { rmse: 0.9, mae: 0.7, precisionAt10: 0.1, recallAt10: 0.04, ndcgAt10, coverage: 0.3 },
            artifact: { uri: `s3://${bucket.name}/models/${name}`, digest: digests[name], sizeBytes: 1000 },
          },
        },
      },
      mergePatch,
    );
  }

  beforeAll(async () => {
    await installCrds(kc);
    namespace = await createTestNamespace('rollout');
    database = await createTestDatabase('rollout');
    ({ bucket, digests } = await bucketWithTestModels('rollout'));
    await seedCatalogue(database.url, 120);
    operator = new Operator({
      kc,
      log: createLogger({ test: 'rollout' }, { level: 'warn' }),
      namespace: namespace.name,
      trainerImage: 'movie-reco:test',
      inferenceImage: 'movie-reco-inference:test',
      recordGateDecision: async (decision) => void decisions.push(decision),
      // The pod's IP is the loopback service's.
      scrapeMetrics: async () => (await fetch(`http://127.0.0.1:${service!.port}/metrics`)).text(),
    });
    await operator.start();
  });
  afterAll(async () => {
    await operator?.stop();
    await service?.stop();
    await namespace?.delete();
    await database?.drop();
    await bucket?.remove();
  });

  it('serves the challenger in shadow, then promotes it with the online figures the pod exposes', async () => {
    await succeededRun('run-a', 0.1);
    await objects.createNamespacedCustomObject({
      ...ref(),
      plural: 'modelreleases',
      body: {
        apiVersion: `${group}/${version}`,
        kind: 'ModelRelease',
        metadata: { name: 'movielens' },
        spec: {
          model: 'movielens',
          rollout: { strategy: 'Shadow', analysis: { minLabels: 30, maxRmseIncrease: 5, maxHitRateDecrease: 1 } },
        },
      },
    });
    await waitFor('champion run-a', async () => (await release()).status?.champion?.run === 'run-a');
    await succeededRun('run-b', 0.2);
    const judging = await waitFor('a shadow rollout of run-b', async () => {
      const status = (await release()).status;
      return status?.rollout?.phase === 'Judging' && status;
    });
    expect(judging.champion?.run).toBe('run-a');
    expect(judging.rollout).toMatchObject({ run: 'run-b', strategy: 'Shadow', digest: digests['run-b'] });
    const deployment = await waitFor('the Deployment naming the challenger', async () => {
      const d = await apps.readNamespacedDeployment({ namespace: namespace.name, name: 'movielens-inference' });
      const env = d.spec?.template.spec?.containers[0]?.env ?? [];
      return env.some((e) => e.name === 'MOVIE_RECO_CHALLENGER_MODE' && e.value === 'shadow') && d;
    });
    const env = deployment.spec!.template.spec!.containers[0]!.env!;

    // The pod the Deployment asks for, run by this process from the same environment.
    service = await startService(
      serveConfigFromEnv({
        ...Object.fromEntries(env.map((e) => [e.name, e.value!])),
        MOVIE_RECO_DATABASE_URL: database.url,
        MOVIE_RECO_HOST: '127.0.0.1',
        MOVIE_RECO_PORT: '0',
        MOVIE_RECO_SHUTDOWN_DELAY_SECONDS: '0',
        MOVIE_RECO_ANONYMOUS_WRITES: 'true',
        ...testS3Env(),
      }),
      createLogger({}, { level: 'warn' }),
    );
    await waitFor('the challenger serving', () => service!.models.challenger?.current);
    const pod = await core.createNamespacedPod({
      namespace: namespace.name,
      body: {
        metadata: {
          name: 'movielens-inference-0',
          labels: { [managedByLabel]: managedByValue, [modelReleaseLabel]: 'movielens' },
        },
        spec: {
          securityContext: restrictedPodSecurity,
          containers: [
            {
              name: 'inference',
              image: 'movie-reco-inference:test',
              env,
              securityContext: restrictedContainerSecurity,
            },
          ],
        },
      },
    });
    await core.patchNamespacedPodStatus(
      {
        namespace: namespace.name,
        name: pod.metadata!.name!,
        body: {
          status: {
            podIP: '10.0.0.7',
            podIPs: [{ ip: '10.0.0.7' }],
            conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date() }],
          },
        },
      },
      mergePatch,
    );

    const url = (path: string) => `http://127.0.0.1:${service!.port}${path}`;
    for (let userId = 1; userId <= 30; userId++) {
      const list = (await (
        await fetch(url(`/v1/recommendations?userId=${userId}&n=10`))
      ).json()) as UserRecommendations;
      expect(list.model.run).toBe('run-a');
      const movieId = list.recommendations[0]?.movieId ?? 5;
      const res = await fetch(url('/v1/ratings'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId, movieId, rating: 1 + (userId % 9) / 2 }),
      });
      expect(res.status).toBe(201);
    }

    const promoted = await waitFor(
      'run-b promoted on its online figures',
      async () => {
        const status = (await release()).status;
        return status?.champion?.run === 'run-b' && status;
      },
      { timeoutMs: 60_000 },
    );
    const metrics = await (await fetch(url('/metrics'))).text();
    const champion = figuresFromCounts(onlineCountsFromMetrics(metrics, 'champion'));
    const challenger = figuresFromCounts(onlineCountsFromMetrics(metrics, 'challenger'));
    expect(champion.labels).toBe(30);
    expect(promoted.rollout).toMatchObject({ run: 'run-b', phase: 'Promoted' });
    expect(promoted.rollout?.online).toMatchObject({ championLabels: 30, challengerLabels: 30 });
    expect(promoted.rollout?.online?.championRmse).toBeCloseTo(champion.rmse!, 9);
    expect(promoted.rollout?.online?.challengerRmse).toBeCloseTo(challenger.rmse!, 9);
    expect(promoted.lastDecision).toMatchObject({ run: 'run-b', outcome: 'Promoted' });
    expect(promoted.lastDecision?.reason).toMatch(/; online: online RMSE .* over 30 labels: not worse$/);
    expect(decisions).toContainEqual(expect.objectContaining({ run: 'run-b', outcome: 'Promoted' }));
    const served = await waitFor('the Deployment serving run-b alone', async () => {
      const d = await apps.readNamespacedDeployment({ namespace: namespace.name, name: 'movielens-inference' });
      const served = new Map((d.spec?.template.spec?.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
      return served.get('MOVIE_RECO_MODEL_DIGEST') === digests['run-b'] && served;
    });
    expect(served.has('MOVIE_RECO_CHALLENGER_URI')).toBe(false);
  }, 120_000);
});
