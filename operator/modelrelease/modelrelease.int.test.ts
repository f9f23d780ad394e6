import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/log.ts';
import { adminKubeConfig, createTestNamespace, type TestNamespace } from '../../testenv/fixtures.ts';
import { group, type ModelRelease, version } from '../api/resources.ts';
import { installCrds } from '../api/install-crds.ts';
import { Operator } from '../manager.ts';
import type { GateDecisionRecord, PromotionRecord } from './decide.ts';
import { trainingRunManifest } from '../testing.ts';
import { waitFor } from '../../testenv/poll.ts';

const kc = adminKubeConfig();
const objects = kc.makeApiClient(k8s.CustomObjectsApi);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const core = kc.makeApiClient(k8s.CoreV1Api);
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

describe('ModelRelease reconcile against the real API server', () => {
  let namespace: TestNamespace;
  let operator: Operator;
  const recorded: PromotionRecord[] = [];
  const decisions: GateDecisionRecord[] = [];
  const ref = () => ({ group, version, namespace: namespace.name });

  async function startOperator(promotions: PromotionRecord[], gateDecisions: GateDecisionRecord[]): Promise<Operator> {
    const started = new Operator({
      kc,
      log: createLogger({ test: 'modelrelease' }, { level: 'warn' }),
      namespace: namespace.name,
      trainerImage: 'movie-reco:test',
      inferenceImage: 'movie-reco-inference:test',
      recordPromotion: async (promotion) => void promotions.push(promotion),
      recordGateDecision: async (decision) => void gateDecisions.push(decision),
    });
    await started.start();
    return started;
  }

  async function succeededRun(name: string, rmse: number, ndcgAt10: number, completionTime: string) {
    await objects.createNamespacedCustomObject({ ...ref(), plural: 'trainingruns', body: trainingRunManifest(name) });
    await objects.patchNamespacedCustomObjectStatus(
      {
        ...ref(),
        plural: 'trainingruns',
        name,
        body: {
          status: {
            phase: 'Succeeded',
            completionTime,
            dataset: { ratings: 100_000, users: 610, movies: 9000 },
            metrics: {
              rmse,
              mae: rmse * 0.77,
              precisionAt10: ndcgAt10 * 0.8,
              recallAt10: 0.04,
              ndcgAt10,
              coverage: 0.3,
              trainSeconds: 3,
            },
            artifact: { uri: `s3://models/movielens/${name}`, digest: `sha256:${name}`, sizeBytes: 1000 },
          },
        },
      },
      mergePatch,
    );
  }
  const release = async () =>
    (await objects.getNamespacedCustomObject({ ...ref(), plural: 'modelreleases', name: 'movielens' })) as ModelRelease;
  const deployment = () => apps.readNamespacedDeployment({ namespace: namespace.name, name: 'movielens-inference' });
  const servedDigest = (d: k8s.V1Deployment) =>
    d.spec?.template.spec?.containers[0]?.env?.find((e) => e.name === 'MOVIE_RECO_MODEL_DIGEST')?.value;

  beforeAll(async () => {
    await installCrds(kc);
    namespace = await createTestNamespace('modelrelease');
    await succeededRun('run-a', 0.9, 0.1, '2026-11-01T00:00:00.000Z');
    await succeededRun('run-b', 0.86, 0.13, '2026-11-02T00:00:00.000Z');
    await succeededRun('run-c', 0.88, 0.11, '2026-11-03T00:00:00.000Z');
    operator = await startOperator(recorded, decisions);
  });
  afterAll(async () => {
    await operator?.stop();
    await namespace?.delete();
  });

  it('promotes the best of three runs and serves its artifact', async () => {
    await objects.createNamespacedCustomObject({
      ...ref(),
      plural: 'modelreleases',
      body: {
        apiVersion: `${group}/${version}`,
        kind: 'ModelRelease',
        metadata: { name: 'movielens' },
        spec: { model: 'movielens', promotion: { minImprovement: 0.005 }, serving: { replicas: 2 } },
      },
    });
    const status = await waitFor(
      'champion run-b',
      async () => (await release()).status?.champion?.run === 'run-b' && (await release()).status,
    );
    expect(status.champion).toMatchObject({
      digest: 'sha256:run-b',
      artifact: 's3://models/movielens/run-b',
      metrics: { ndcgAt10: 0.13 },
    });
    expect(status.lastDecision).toMatchObject({ run: 'run-b', outcome: 'Promoted' });
    expect(status.conditions).toContainEqual(expect.objectContaining({ type: 'Promoted', status: 'True' }));
    expect(status.serving).toMatchObject({
      deployment: 'movielens-inference',
      service: 'movielens-inference',
      url: `http://movielens-inference.${namespace.name}.svc:80`,
    });

    const served = await waitFor('deployment', () => deployment());
    expect(servedDigest(served)).toBe('sha256:run-b');
    expect(served.spec?.replicas).toBe(2);
    expect(served.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'ModelRelease',
      name: 'movielens',
      controller: true,
    });
    expect(served.spec?.template.spec?.containers[0]?.env).toContainEqual({
      name: 'MOVIE_RECO_MODEL_URI',
      value: 's3://models/movielens/run-b',
    });
    const service = await core.readNamespacedService({ namespace: namespace.name, name: 'movielens-inference' });
    expect(service.spec?.selector).toEqual(served.spec?.selector?.matchLabels);
    expect(recorded).toEqual([
      expect.objectContaining({ run: 'run-b', metric: 'ndcgAt10', metricValue: 0.13, previousRun: undefined }),
    ]);
    expect(decisions).toEqual([
      expect.objectContaining({
        run: 'run-b',
        outcome: 'Promoted',
        metricValue: 0.13,
        championRun: undefined,
        decidedAt: status.lastDecision?.time,
      }),
    ]);
  });

  it('becomes Ready only once the champion’s pods are rolled out and ready', async () => {
    const served = await deployment();
    expect((await release()).status?.conditions).toContainEqual(
      expect.objectContaining({ type: 'Ready', status: 'False' }),
    );
    await apps.patchNamespacedDeploymentStatus(
      {
        namespace: namespace.name,
        name: 'movielens-inference',
        body: {
          status: {
            observedGeneration: served.metadata?.generation,
            replicas: 2,
            updatedReplicas: 2,
            readyReplicas: 2,
            availableReplicas: 2,
          },
        },
      },
      mergePatch,
    );
    const status = await waitFor('Ready', async () => {
      const s = (await release()).status;
      return s?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && s;
    });
    expect(status.serving?.readyReplicas).toBe(2);
  });

  it('rejects a worse new run with the reason, leaving the Deployment untouched', async () => {
    const before = await deployment();
    await succeededRun('run-d', 0.95, 0.09, new Date().toISOString());
    const status = await waitFor(
      'decision on run-d',
      async () => (await release()).status?.lastDecision?.run === 'run-d' && (await release()).status,
    );
    expect(status.lastDecision).toMatchObject({
      outcome: 'Rejected',
      reason: 'ndcgAt10 0.09 is not better than champion run-b (0.13)',
    });
    expect(status.champion?.run).toBe('run-b');
    const after = await deployment();
    expect(after.metadata?.generation).toBe(before.metadata?.generation);
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    expect(decisions.at(-1)).toEqual(
      expect.objectContaining({
        run: 'run-d',
        outcome: 'Rejected',
        reason: status.lastDecision?.reason,
        metricValue: 0.09,
        championRun: 'run-b',
        championMetricValue: 0.13,
      }),
    );
  });

  it('rolls back to a pinned older run, changing only the pod template', async () => {
    const before = await deployment();
    await objects.patchNamespacedCustomObject(
      { ...ref(), plural: 'modelreleases', name: 'movielens', body: { spec: { promotion: { pinnedRun: 'run-a' } } } },
      mergePatch,
    );
    const after = await waitFor('deployment serves run-a', async () => {
      const d = await deployment();
      return servedDigest(d) === 'sha256:run-a' && d;
    });
    const status = await waitFor(
      'champion run-a',
      async () => (await release()).status?.champion?.run === 'run-a' && (await release()).status,
    );
    expect(status.lastDecision).toMatchObject({ run: 'run-a', outcome: 'Pinned' });
    expect(status.history?.map((h) => h.run)).toEqual(['run-a', 'run-b']);
    const { template: templateBefore, ...restBefore } = before.spec!;
    const { template: templateAfter, ...restAfter } = after.spec!;
    expect(restAfter).toEqual(restBefore);
    expect(templateAfter).not.toEqual(templateBefore);
    expect(after.metadata?.generation).toBe((before.metadata?.generation ?? 0) + 1);
    const events = await core.listNamespacedEvent({
      namespace: namespace.name,
      fieldSelector: 'involvedObject.name=movielens',
    });
    expect(events.items.map((e) => e.reason)).toEqual(expect.arrayContaining(['Promoted', 'Rejected', 'Pinned']));
    // Each judgement recorded once, though the release was reconciled many times (its Deployment's
    // status, its own status writes, the resync), some of them from a stale cache.
    expect(decisions.map((d) => [d.run, d.outcome, d.championRun])).toEqual([
      ['run-b', 'Promoted', undefined],
      ['run-d', 'Rejected', 'run-b'],
      ['run-a', 'Pinned', 'run-b'],
    ]);
  });

  it('a restarted operator records what the status tells and its records may lack, each once', async () => {
    // As if the operator before had died after each status write and before its records: the new
    // one has recorded nothing yet, and its tables keep a record once (storage/insert-once.ts).
    await operator.stop();
    const again: PromotionRecord[] = [];
    const againDecisions: GateDecisionRecord[] = [];
    operator = await startOperator(again, againDecisions);
    await waitFor('records from the status', async () => again.length >= 2 && againDecisions.length >= 1);
    const status = (await release()).status;
    expect(again).toEqual(recorded.slice().reverse());
    expect(again.map((p) => [p.run, p.promotedAt])).toEqual(status?.history?.map((h) => [h.run, h.promotedAt]));
    expect(againDecisions).toEqual([decisions.at(-1)]);
    // More reconciles (a status change of its Deployment) record nothing more.
    await apps.patchNamespacedDeploymentStatus(
      {
        namespace: namespace.name,
        name: 'movielens-inference',
        body: { status: { readyReplicas: 1, availableReplicas: 1 } },
      },
      mergePatch,
    );
    await waitFor('the release reconciled again', async () => (await release()).status?.serving?.readyReplicas === 1);
    expect([again.length, againDecisions.length]).toEqual([2, 1]);
  });
});
