import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/log.ts';
import { adminKubeConfig, createTestNamespace, type TestNamespace } from '../../testenv/fixtures.ts';
import { group, version } from '../api/resources.ts';
import { installCrds } from '../api/install-crds.ts';
import { Operator } from '../manager.ts';
import { waitFor } from '../../testenv/poll.ts';

const kc = adminKubeConfig();
const objects = kc.makeApiClient(k8s.CustomObjectsApi);
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

describe('ModelRelease retraining once enough ratings arrived', () => {
  let namespace: TestNamespace;
  let operator: Operator;
  let newRatings = 0;
  const marks: number[] = [];

  beforeAll(async () => {
    await installCrds(kc);
    namespace = await createTestNamespace('retrain');
    operator = new Operator({
      kc,
      log: createLogger({ test: 'retrain' }, { level: 'warn' }),
      namespace: namespace.name,
      trainerImage: 'movie-reco:test',
      resyncMs: 500,
      newRatingsSince: async (mark) => {
        marks.push(mark);
        return newRatings;
      },
    });
    await operator.start();
  });
  afterAll(async () => {
    await operator?.stop();
    await namespace?.delete();
  });

  const ownedRuns = async () =>
    (
      (await objects.listNamespacedCustomObject({
        group,
        version,
        namespace: namespace.name,
        plural: 'trainingruns',
        labelSelector: 'reco.mlops.dev/model-release=movielens',
      })) as { items: { metadata: { name: string }; spec: object; status?: { phase?: string } }[] }
    ).items;

  const releaseReconciles = async () =>
    (await operator.metrics.reconcileTotal.get()).values
      .filter((sample) => sample.labels.controller === 'modelrelease')
      .reduce((sum, sample) => sum + sample.value, 0);
  /** Two more reconciles of the one release (never two at once): one began after this call and saw the state. */
  const reconciledAgain = async () => {
    const now = await releaseReconciles();
    await waitFor('two more reconciles of the release', async () => (await releaseReconciles()) >= now + 2);
  };

  it('starts one run from the template, never a second while it runs, and the next once it finished', async () => {
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
          retrain: {
            minNewRatings: 100,
            historyLimit: 1,
            template: { backendSecretRef: { name: 'backend' }, algorithm: { name: 'svd' } },
          },
        },
      },
    });
    await reconciledAgain();
    expect(await ownedRuns()).toHaveLength(0);

    newRatings = 150;
    await objects.patchNamespacedCustomObject(
      {
        group,
        version,
        namespace: namespace.name,
        plural: 'modelreleases',
        name: 'movielens',
        body: { metadata: { annotations: { poke: '1' } } },
      },
      mergePatch,
    );
    const [first] = await waitFor('first retrain run', async () => {
      const runs = await ownedRuns();
      return runs.length === 1 && runs;
    });
    expect(first!.metadata.name).toBe('movielens-1');
    expect(first!.spec).toMatchObject({
      model: 'movielens',
      algorithm: { name: 'svd' },
      backendSecretRef: { name: 'backend' },
    });
    await waitFor('its Job created', async () => (await ownedRuns())[0]?.status?.phase === 'Pending');
    await reconciledAgain();
    expect(await ownedRuns()).toHaveLength(1);

    await objects.patchNamespacedCustomObjectStatus(
      {
        group,
        version,
        namespace: namespace.name,
        plural: 'trainingruns',
        name: 'movielens-1',
        body: { status: { phase: 'Failed', completionTime: new Date().toISOString() } },
      },
      mergePatch,
    );
    await waitFor('second retrain run', async () =>
      (await ownedRuns()).some((run) => run.metadata.name === 'movielens-2'),
    );
    expect(marks.every((mark) => mark === 0)).toBe(true);
  });
});
