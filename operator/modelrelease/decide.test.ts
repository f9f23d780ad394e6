import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { ModelRelease, TrainingRun } from '../api/resources.ts';
import { decideModelRelease, recordsOfStatus, type ModelReleaseDecision } from './decide.ts';
import { SERVICE_NODE_OPTIONS } from '../../inference/node-options.ts';

const now = new Date('2026-11-25T12:00:00Z');
const settings = { image: 'movie-reco-inference:test' };

const release = (spec: Partial<ModelRelease['spec']> = {}, status?: ModelRelease['status']): ModelRelease => ({
  apiVersion: 'reco.mlops.dev/v1alpha1',
  kind: 'ModelRelease',
  metadata: { name: 'movielens', namespace: 'reco', uid: 'rel-uid', generation: 3 },
  spec: { model: 'movielens', ...spec },
  ...(status ? { status } : {}),
});

const run = (
  name: string,
  ndcgAt10: number,
  model = 'movielens',
  phase: 'Succeeded' | 'Failed' = 'Succeeded',
): TrainingRun => ({
  apiVersion: 'reco.mlops.dev/v1alpha1',
  kind: 'TrainingRun',
  metadata: { name, namespace: 'reco' },
  spec: { model, backendSecretRef: { name: 'b' } },
  status: {
    phase,
    runId: `id-${name}`,
    completionTime: `2026-11-0${name.length % 9}T00:00:00.000Z`,
    metrics: { rmse: 0.9, mae: 0.7, ndcgAt10, precisionAt10: 0.1 },
    artifact: { uri: `s3://m/${name}`, digest: `sha256:${name}` },
  },
});

/** The inference Deployment at generation 2, serving `digest`, with the given status. */
const inferenceDeployment = (digest: string, status: V1Deployment['status']): V1Deployment => ({
  metadata: { generation: 2 },
  spec: {
    selector: {},
    template: {
      spec: { containers: [{ name: 'inference', env: [{ name: 'MOVIE_RECO_MODEL_DIGEST', value: digest }] }] },
    },
  },
  status,
});

describe('decideModelRelease', () => {
  it('serves nothing and says why while no run succeeded', () => {
    const decision = decideModelRelease({
      release: release(),
      runs: [run('x', 0.2, 'movielens', 'Failed')],
      deployment: undefined,
      now,
      settings,
    });
    expect(decision.deployment).toBeUndefined();
    expect(decision.status.conditions).toEqual([
      expect.objectContaining({ type: 'Promoted', status: 'False', reason: 'NoEligibleRun' }),
      expect.objectContaining({ type: 'Ready', status: 'False', reason: 'NoChampion', observedGeneration: 3 }),
    ]);
  });

  it('ignores runs of other models and serves the champion with its URI and digest in the pod template', () => {
    const decision = decideModelRelease({
      release: release({ serving: { replicas: 3 } }),
      runs: [run('a', 0.1), run('other', 0.9, 'ml-1m')],
      deployment: undefined,
      now,
      settings,
    });
    expect(decision.status.champion).toMatchObject({ run: 'a', digest: 'sha256:a', promotedAt: now.toISOString() });
    expect(decision.promotion).toMatchObject({ run: 'a', runId: 'id-a', metric: 'ndcgAt10', metricValue: 0.1 });
    const pod = decision.deployment!.spec!.template;
    expect(pod.spec!.containers[0]!.env).toEqual(
      expect.arrayContaining([
        { name: 'MOVIE_RECO_MODEL_URI', value: 's3://m/a' },
        { name: 'MOVIE_RECO_MODEL_DIGEST', value: 'sha256:a' },
      ]),
    );
    expect(pod.spec!.containers[0]!.env).toContainEqual({ name: 'NODE_OPTIONS', value: SERVICE_NODE_OPTIONS });
    expect(pod.spec!.containers[0]!.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(decision.deployment!.spec!.replicas).toBe(3);
    expect(decision.deployment!.spec!.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
    expect(decision.autoscaler).toBeUndefined();
    expect(decision.events).toEqual([expect.objectContaining({ reason: 'Promoted' })]);
  });

  it('leaves replicas to the HPA when autoscaling is set', () => {
    const decision = decideModelRelease({
      release: release({ serving: { autoscaling: { minReplicas: 2, maxReplicas: 5 } } }),
      runs: [run('a', 0.1)],
      deployment: undefined,
      now,
      settings,
    });
    expect(decision.deployment!.spec!.replicas).toBeUndefined();
    expect(decision.autoscaler!.spec).toMatchObject({
      minReplicas: 2,
      maxReplicas: 5,
      scaleTargetRef: { kind: 'Deployment', name: 'movielens-inference' },
    });
  });

  it('is idempotent once its status is written: no promotion, no event, same status', () => {
    const first = decideModelRelease({
      release: release(),
      runs: [run('a', 0.1), run('bb', 0.05)],
      deployment: undefined,
      now,
      settings,
    });
    const second = decideModelRelease({
      release: release({}, first.status),
      runs: [run('a', 0.1), run('bb', 0.05)],
      deployment: undefined,
      now: new Date('2026-11-25T13:00:00Z'),
      settings,
    });
    expect(second.promotion).toBeUndefined();
    expect(second.gateDecision).toBeUndefined();
    expect(second.events).toEqual([]);
    expect(second.status).toEqual(first.status);
  });

  it('tells each gate judgement once: a promotion, a rejection (not again on the next reconcile), a pin', () => {
    const runs = [run('a', 0.1)];
    const first = decideModelRelease({
      release: release({ promotion: { minImprovement: 0.01 } }),
      runs,
      deployment: undefined,
      now,
      settings,
    });
    expect(first.gateDecision).toEqual({
      model: 'movielens',
      run: 'a',
      runId: 'id-a',
      outcome: 'Promoted',
      reason: 'first champion: best ndcgAt10 0.1 among 1 passing run(s)',
      metric: 'ndcgAt10',
      metricValue: 0.1,
      championRun: undefined,
      championRunId: undefined,
      championMetricValue: undefined,
      decidedAt: now.toISOString(),
    });

    // A run finished after the promotion that beats the champion by less than minImprovement.
    const later = new Date('2026-11-25T13:00:00Z');
    const bb = run('bb', 0.105);
    const withB = [...runs, { ...bb, status: { ...bb.status!, completionTime: '2026-11-25T12:30:00.000Z' } }];
    const rejected = decideModelRelease({
      release: release({ promotion: { minImprovement: 0.01 } }, first.status),
      runs: withB,
      deployment: undefined,
      now: later,
      settings,
    });
    expect(rejected.promotion).toBeUndefined();
    expect(rejected.gateDecision).toEqual({
      model: 'movielens',
      run: 'bb',
      runId: 'id-bb',
      outcome: 'Rejected',
      reason: 'ndcgAt10 0.105 beats champion a by only 0.005, less than minImprovement 0.01',
      metric: 'ndcgAt10',
      metricValue: 0.105,
      championRun: 'a',
      championRunId: 'id-a',
      championMetricValue: 0.1,
      decidedAt: later.toISOString(),
    });
    expect(rejected.status.lastDecision).toMatchObject({ run: 'bb', outcome: 'Rejected', time: later.toISOString() });
    // Once that status is written, the same judgement is neither told nor recorded again.
    const again = decideModelRelease({
      release: release({ promotion: { minImprovement: 0.01 } }, rejected.status),
      runs: withB,
      deployment: undefined,
      now: new Date('2026-11-25T14:00:00Z'),
      settings,
    });
    expect([again.gateDecision, again.events]).toEqual([undefined, []]);
    // Decided from a stale status (the write above lost), it is the same decision again: the
    // reconcile records it only after its own write wins.
    expect(
      decideModelRelease({
        release: release({ promotion: { minImprovement: 0.01 } }, first.status),
        runs: withB,
        deployment: undefined,
        now: later,
        settings,
      }).gateDecision,
    ).toEqual(rejected.gateDecision);

    const pinned = decideModelRelease({
      release: release({ promotion: { pinnedRun: 'bb' } }, rejected.status),
      runs: withB,
      deployment: undefined,
      now: later,
      settings,
    });
    expect(pinned.gateDecision).toMatchObject({
      run: 'bb',
      outcome: 'Pinned',
      reason: 'pinned by spec.promotion.pinnedRun',
      championRun: 'a',
      championRunId: 'id-a',
    });
    expect(pinned.promotion).toMatchObject({ run: 'bb', previousRun: 'a' });
  });

  it('records no gate decision for a pinnedRun that does not exist, but tells the event and the condition', () => {
    const first = decideModelRelease({
      release: release(),
      runs: [run('a', 0.1)],
      deployment: undefined,
      now,
      settings,
    });
    const missing = decideModelRelease({
      release: release({ promotion: { pinnedRun: 'gone' } }, first.status),
      runs: [run('a', 0.1)],
      deployment: undefined,
      now,
      settings,
    });
    expect(missing.gateDecision).toBeUndefined();
    expect(missing.events).toEqual([expect.objectContaining({ reason: 'Rejected' })]);
    expect(missing.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Promoted', status: 'False', reason: 'PinnedRunUnavailable' }),
    );
  });

  it('records the rejection of a run that fails the gates while there is no champion', () => {
    const decision = decideModelRelease({
      release: release({ promotion: { gates: { minNdcgAt10: 0.2 } } }),
      runs: [run('a', 0.1)],
      deployment: undefined,
      now,
      settings,
    });
    expect(decision.status.champion).toBeUndefined();
    expect(decision.gateDecision).toMatchObject({
      run: 'a',
      runId: 'id-a',
      outcome: 'Rejected',
      reason: 'ndcgAt10 0.1 is below the gate minNdcgAt10 0.2',
      championRun: undefined,
    });
  });

  it('is Ready only when the rolled-out pods serve the current champion', () => {
    const first = decideModelRelease({
      release: release(),
      runs: [run('a', 0.1)],
      deployment: undefined,
      now,
      settings,
    });
    const deployment = (digest: string, ready: number) =>
      inferenceDeployment(digest, { observedGeneration: 2, replicas: 1, updatedReplicas: 1, readyReplicas: ready });
    const stale = decideModelRelease({
      release: release({}, first.status),
      runs: [run('a', 0.1)],
      deployment: deployment('sha256:old', 1),
      now,
      settings,
    });
    expect(stale.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Ready', status: 'False', reason: 'RollingOut' }),
    );
    const ready = decideModelRelease({
      release: release({}, first.status),
      runs: [run('a', 0.1)],
      deployment: deployment('sha256:a', 1),
      now,
      settings,
    });
    expect(ready.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Ready', status: 'True', reason: 'RolloutComplete' }),
    );
    expect(ready.status.serving).toMatchObject({ readyReplicas: 1, url: 'http://movielens-inference.reco.svc:80' });
  });

  it("says why a rollout is stuck, once as a Warning, while the old champion's pods keep serving", () => {
    const first = decideModelRelease({
      release: release(),
      runs: [run('a', 0.1)],
      deployment: undefined,
      now,
      settings,
    });
    const rollingOut = inferenceDeployment('sha256:a', {
      observedGeneration: 2,
      replicas: 2,
      updatedReplicas: 1,
      readyReplicas: 1,
    });
    const crashing: V1Pod = {
      metadata: { name: 'movielens-inference-new', creationTimestamp: now },
      status: {
        containerStatuses: [
          {
            name: 'inference',
            image: 'movie-reco:2',
            imageID: '',
            ready: false,
            restartCount: 3,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 1, reason: 'Error' } },
          },
        ],
      },
    };
    const stuck = decideModelRelease({
      release: release({}, first.status),
      runs: [run('a', 0.1)],
      deployment: rollingOut,
      pods: [crashing],
      now,
      settings,
    });
    const ready = stuck.status.conditions?.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'CrashLoopBackOff' });
    expect(ready?.message).toMatch(/keeps crashing \(last exit code 1, Error\).*; the ready pods keep serving$/);
    expect(stuck.events).toContainEqual(expect.objectContaining({ type: 'Warning', reason: 'CrashLoopBackOff' }));
    const again = decideModelRelease({
      release: release({}, stuck.status),
      runs: [run('a', 0.1)],
      deployment: rollingOut,
      pods: [crashing],
      now,
      settings,
    });
    expect(again.events.filter((e) => e.type === 'Warning')).toEqual([]);

    const deadline = decideModelRelease({
      release: release({}, first.status),
      runs: [run('a', 0.1)],
      deployment: {
        ...rollingOut,
        status: {
          ...rollingOut.status,
          conditions: [
            { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'timed out' },
            {
              type: 'ReplicaFailure',
              status: 'True',
              reason: 'FailedCreate',
              message: 'pods "movielens-inference-b-1" is forbidden: exceeded quota: pods',
            },
          ],
        },
      },
      now,
      settings,
    });
    expect(deadline.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Ready', status: 'False', reason: 'ProgressDeadlineExceeded' }),
    );
    expect(deadline.status.conditions?.find((c) => c.type === 'Ready')?.message).toMatch(
      /timed out; pods "movielens-inference-b-1" is forbidden: exceeded quota: pods/,
    );
  });
});

describe('recordsOfStatus', () => {
  const promotionRelease = { promotion: { minImprovement: 0.01 } };
  const finishedAt = (r: TrainingRun, seconds: number): TrainingRun => ({
    ...r,
    status: { ...r.status!, completionTime: new Date(now.getTime() + seconds * 1000).toISOString() },
  });
  /** A promotion, a rejection, a pin and a promotion again, each decided on the status the one before wrote. */
  function story() {
    const runs = [finishedAt(run('a', 0.1), -60), finishedAt(run('bb', 0.105), 30), finishedAt(run('ccc', 0.2), 150)];
    const steps: Array<{ spec: Partial<ModelRelease['spec']>; runs: TrainingRun[] }> = [
      { spec: promotionRelease, runs: runs.slice(0, 1) },
      { spec: promotionRelease, runs: runs.slice(0, 2) },
      { spec: { promotion: { pinnedRun: 'bb' } }, runs: runs.slice(0, 2) },
      { spec: promotionRelease, runs },
    ];
    let status: ModelRelease['status'];
    return steps.map(({ spec, runs: seen }, i) => {
      const decision = decideModelRelease({
        release: release(spec, status),
        runs: seen,
        deployment: undefined,
        now: new Date(now.getTime() + i * 60_000),
        settings,
      });
      status = decision.status;
      return { decision, release: release(spec, status), runs: seen };
    });
  }
  const promotionsOf = (decisions: ModelReleaseDecision[]) =>
    decisions.flatMap((d) => (d.promotion ? [d.promotion] : [])).reverse();

  it('gives back, from the status alone, every promotion and the last judgement as they were recorded', () => {
    const steps = story();
    expect(steps.map(({ decision }) => decision.gateDecision?.outcome)).toEqual([
      'Promoted',
      'Rejected',
      'Pinned',
      'Promoted',
    ]);
    steps.forEach(({ release: written, runs }, i) => {
      const records = recordsOfStatus(written, runs);
      expect(records.promotions).toEqual(promotionsOf(steps.slice(0, i + 1).map((s) => s.decision)));
      expect(records.gateDecision).toEqual(steps[i]!.decision.gateDecision);
    });
  });

  it('leaves out a record whose run was since deleted; names a deleted predecessor or champion with no run id', () => {
    const last = story().at(-1)!;
    const withoutA = recordsOfStatus(
      last.release,
      last.runs.filter((r) => r.metadata.name !== 'a'),
    );
    expect(withoutA.promotions.map((p) => [p.run, p.previousRun, p.previousRunId])).toEqual([
      ['ccc', 'bb', 'id-bb'],
      ['bb', 'a', undefined],
    ]);
    expect(withoutA.gateDecision).toMatchObject({ run: 'ccc', championRun: 'bb', championRunId: 'id-bb' });
    const withoutBb = recordsOfStatus(
      last.release,
      last.runs.filter((r) => r.metadata.name !== 'bb'),
    );
    expect(withoutBb.promotions.map((p) => [p.run, p.previousRun, p.previousRunId])).toEqual([
      ['ccc', 'bb', undefined],
      ['a', undefined, undefined],
    ]);
    expect(withoutBb.gateDecision).toMatchObject({
      run: 'ccc',
      outcome: 'Promoted',
      championRun: 'bb',
      championRunId: undefined,
      championMetricValue: undefined,
    });
  });

  it('gives back the re-promotion of a run after its champion was deleted, as the decision recorded it', () => {
    const a = run('a', 0.1);
    const b = finishedAt(run('bb', 0.2), 30);
    let status: ModelRelease['status'];
    const steps = [[a], [a, b], [a]].map((runs, i) => {
      const decision = decideModelRelease({
        release: release({}, status),
        runs,
        deployment: undefined,
        now: new Date(now.getTime() + i * 60_000),
        settings,
      });
      status = decision.status;
      return { decision, records: recordsOfStatus(release({}, status), runs) };
    });
    const { decision, records } = steps[2]!;
    expect(decision.promotion).toMatchObject({ run: 'a', previousRun: 'bb', previousRunId: undefined });
    expect(decision.gateDecision).toMatchObject({
      run: 'a',
      outcome: 'Promoted',
      championRun: 'bb',
      championRunId: undefined,
      championMetricValue: 0.2,
    });
    // The status keeps the champion's metrics, not its predecessor's: the one figure a catch-up cannot give.
    expect(records.gateDecision).toEqual({ ...decision.gateDecision, championMetricValue: undefined });
    expect(records.promotions[0]).toEqual({ ...decision.promotion, previousMetricValue: undefined });
    expect(records.promotions.map((p) => [p.run, p.previousRun])).toEqual([
      ['a', 'bb'],
      ['a', undefined],
    ]);
  });

  it('gives back a rejection against a champion whose run was deleted, with the metric the status keeps', () => {
    const gated = { promotion: { gates: { minNdcgAt10: 0.15 } } };
    const first = decideModelRelease({
      release: release(gated),
      runs: [run('a', 0.2)],
      deployment: undefined,
      now,
      settings,
    });
    const runs = [run('bb', 0.1)];
    const rejected = decideModelRelease({
      release: release(gated, first.status),
      runs,
      deployment: undefined,
      now: new Date(now.getTime() + 60_000),
      settings,
    });
    expect(rejected.gateDecision).toMatchObject({
      run: 'bb',
      outcome: 'Rejected',
      championRun: 'a',
      championRunId: undefined,
      championMetricValue: 0.2,
    });
    expect(recordsOfStatus(release(gated, rejected.status), runs).gateDecision).toEqual(rejected.gateDecision);
  });

  it("leaves out a full history's first promotion (predecessor forgotten) and a judgement no longer in it", () => {
    const entry = (i: number) => ({
      run: 'a',
      digest: 'sha256:a',
      promotedAt: new Date(now.getTime() - i * 1000).toISOString(),
      reason: `#${i}`,
    });
    const full = release(
      {},
      {
        history: Array.from({ length: 10 }, (_, i) => entry(i)),
        lastDecision: { run: 'a', outcome: 'Promoted', reason: 'gone', time: '2020-01-01T00:00:00.000Z' },
      },
    );
    const records = recordsOfStatus(full, [run('a', 0.1)]);
    expect(records.promotions.map((p) => p.reason)).toEqual(Array.from({ length: 9 }, (_, i) => `#${i}`));
    expect(records.gateDecision).toBeUndefined();
  });
});
