import { describe, expect, it } from 'vitest';
import type { OnlineCounts } from '../../inference/online-figures.ts';
import type { ModelRelease, TrainingRun } from '../api/resources.ts';
import { decideModelRelease, type ModelReleaseDecision } from './decide.ts';
import type { V1Pod } from '@kubernetes/client-node';
import { observationOf, podsOfStep } from './rollout.ts';
import type { RolloutObservation } from './rollout-judgement.ts';

const t0 = new Date('2026-12-01T00:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const settings = { image: 'movie-reco:test' };

const candidate = (name: string, ndcgAt10: number, completionTime = '2026-11-30T00:00:00.000Z'): TrainingRun => ({
  apiVersion: 'reco.mlops.dev/v1alpha1',
  kind: 'TrainingRun',
  metadata: { name, namespace: 'reco' },
  spec: { model: 'movielens', backendSecretRef: { name: 'b' } },
  status: {
    phase: 'Succeeded',
    runId: `id-${name}`,
    completionTime,
    metrics: { rmse: 0.9, mae: 0.7, ndcgAt10, precisionAt10: 0.1 },
    artifact: { uri: `s3://m/${name}`, digest: `sha256:${name}` },
  },
});
const counts = (labels: number, rmse: number): OnlineCounts => ({
  labels,
  squaredErrorSum: rmse * rmse * labels,
  servedRatings: labels / 2,
  hits: labels / 10,
});
const online = (champion: number, challenger: number, labels = 100, health = { answers: 500, errors: 0, p99Ms: 5 }) =>
  ({ champion: counts(labels, champion), challenger: counts(labels, challenger), health }) as RolloutObservation;

/** Reconciles of one release, each fed the status the one before it wrote. */
function story(rollout: NonNullable<ModelRelease['spec']['rollout']>, promotion?: ModelRelease['spec']['promotion']) {
  let release: ModelRelease = {
    apiVersion: 'reco.mlops.dev/v1alpha1',
    kind: 'ModelRelease',
    metadata: { name: 'movielens', namespace: 'reco', uid: 'u', generation: 1 },
    spec: { model: 'movielens', rollout, ...(promotion ? { promotion } : {}) },
  };
  return (runs: TrainingRun[], now: Date, observed?: RolloutObservation): ModelReleaseDecision => {
    const decision = decideModelRelease({ release, runs, deployment: undefined, now, settings, online: observed });
    release = { ...release, status: decision.status };
    return decision;
  };
}
const env = (decision: ModelReleaseDecision) =>
  Object.fromEntries(decision.deployment!.spec!.template.spec!.containers[0]!.env!.map((e) => [e.name, e.value]));
const a = candidate('a', 0.1);
const b = candidate('b', 0.2);

describe('Shadow and Canary rollouts of a ModelRelease', () => {
  it('serves a better run in shadow beside the champion, then promotes it on its online figures', () => {
    const reconcile = story({ strategy: 'Shadow', analysis: { minLabels: 100 } });
    expect(reconcile([a], t0).status.champion?.run).toBe('a');

    const started = reconcile([a, b], at(10));
    expect(started.status.champion?.run).toBe('a');
    expect(started.promotion).toBeUndefined();
    expect(started.gateDecision).toBeUndefined();
    expect(env(started)).toMatchObject({
      MOVIE_RECO_MODEL_DIGEST: 'sha256:a',
      MOVIE_RECO_CHALLENGER_URI: 's3://m/b',
      MOVIE_RECO_CHALLENGER_DIGEST: 'sha256:b',
      MOVIE_RECO_CHALLENGER_MODE: 'shadow',
    });
    expect(started.status.rollout).toMatchObject({ run: 'b', strategy: 'Shadow', phase: 'Judging', share: 0 });
    expect(started.events).toEqual([expect.objectContaining({ reason: 'RolloutStarted' })]);
    expect(started.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Rollout', status: 'True', reason: 'Judging' }),
    );

    const waiting = reconcile([a, b], at(20), online(0.9, 0.85, 40));
    expect(waiting.status.champion?.run).toBe('a');
    expect(waiting.status.rollout).toMatchObject({ phase: 'Judging', reason: '40 of 100 labels for both models' });
    expect(waiting.status.rollout?.online).toMatchObject({ championLabels: 40, challengerLabels: 40 });
    expect(waiting.events).toEqual([]);

    const promoted = reconcile([a, b], at(30), online(0.9, 0.85));
    expect(promoted.status.champion?.run).toBe('b');
    expect(promoted.promotion).toMatchObject({ run: 'b', previousRun: 'a' });
    expect(promoted.status.lastDecision).toMatchObject({ run: 'b', outcome: 'Promoted' });
    expect(promoted.status.lastDecision?.reason).toMatch(/; online: online RMSE 0\.85 vs champion 0\.9/);
    expect(promoted.gateDecision).toMatchObject({ run: 'b', outcome: 'Promoted' });
    expect(env(promoted)).toMatchObject({ MOVIE_RECO_MODEL_DIGEST: 'sha256:b' });
    expect(env(promoted).MOVIE_RECO_CHALLENGER_URI).toBeUndefined();
    expect(promoted.status.rollout).toMatchObject({ run: 'b', phase: 'Promoted' });
  });

  it('rolls a challenger worse online back, records the judgement once, and does not try it again', () => {
    const reconcile = story({ strategy: 'Shadow', analysis: { minLabels: 100 } });
    reconcile([a], t0);
    reconcile([a, b], at(10));
    const rolledBack = reconcile([a, b], at(20), online(0.9, 1.2));
    expect(rolledBack.status.champion?.run).toBe('a');
    expect(rolledBack.promotion).toBeUndefined();
    expect(rolledBack.status.lastDecision).toMatchObject({ run: 'b', outcome: 'Rejected' });
    expect(rolledBack.status.lastDecision?.reason).toMatch(/^rolled back: online RMSE 1\.2 vs champion 0\.9/);
    expect(rolledBack.gateDecision).toMatchObject({ run: 'b', outcome: 'Rejected', championRun: 'a' });
    expect(rolledBack.events).toEqual([expect.objectContaining({ type: 'Warning', reason: 'RolledBack' })]);
    expect(env(rolledBack).MOVIE_RECO_CHALLENGER_URI).toBeUndefined();
    expect(rolledBack.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Rollout', status: 'False', reason: 'RolledBack' }),
    );

    const after = reconcile([a, b], at(30), online(0.9, 1.2));
    expect(after.status.champion?.run).toBe('a');
    expect(after.events).toEqual([]);
    expect(after.gateDecision).toBeUndefined();
    expect(env(after).MOVIE_RECO_CHALLENGER_URI).toBeUndefined();
    // The next run better offline than the champion gets its own rollout, though b still scores higher.
    const next = reconcile([a, b, candidate('c', 0.15)], at(40));
    expect(next.status.rollout).toMatchObject({ run: 'c', phase: 'Judging' });
    expect(env(next).MOVIE_RECO_CHALLENGER_URI).toBe('s3://m/c');
  });

  it('moves a canary through its steps, each a new share in the pods, and rolls back on an SLO breach', () => {
    const reconcile = story({
      strategy: 'Canary',
      steps: [
        { share: 10, pause: { labels: 50 } },
        { share: 50, pause: { seconds: 60 } },
      ],
      analysis: { minLabels: 100 },
    });
    reconcile([a], t0);
    const first = reconcile([a, b], at(10));
    expect(env(first)).toMatchObject({ MOVIE_RECO_CHALLENGER_MODE: 'canary', MOVIE_RECO_CHALLENGER_SHARE: '10' });
    const second = reconcile([a, b], at(20), online(0.9, 0.9, 50));
    expect(second.events).toEqual([expect.objectContaining({ reason: 'CanaryStep' })]);
    expect(env(second).MOVIE_RECO_CHALLENGER_SHARE).toBe('50');
    expect(second.status.rollout).toMatchObject({ step: 1, share: 50, stepStartedAt: at(20).toISOString() });
    // The new step's pods start counting from zero: still waiting for its 60 s.
    expect(reconcile([a, b], at(50), online(0.9, 0.9, 120)).status.rollout?.reason).toBe(
      'canary step 2 (50%): 30 of 60 s',
    );
    const breach = reconcile([a, b], at(55), online(0.9, 0.9, 120, { answers: 400, errors: 40, p99Ms: 5 }));
    expect(breach.status.champion?.run).toBe('a');
    expect(breach.status.lastDecision?.reason).toMatch(/^rolled back: challenger error ratio 0\.1 above the SLO/);
    expect(env(breach).MOVIE_RECO_CHALLENGER_URI).toBeUndefined();
  });

  it("shadows the challenger in a canary step of share 0, then serves it to the next step's users", () => {
    const reconcile = story({
      strategy: 'Canary',
      steps: [
        { share: 0, pause: { labels: 50 } },
        { share: 20, pause: { labels: 50 } },
      ],
      analysis: { minLabels: 100 },
      faultInjection: { challengerDelayMs: 250 },
    });
    reconcile([a], t0);
    const shadow = reconcile([a, b], at(10));
    expect(env(shadow)).toMatchObject({ MOVIE_RECO_CHALLENGER_MODE: 'shadow', MOVIE_RECO_CHALLENGER_DELAY_MS: '250' });
    expect(env(shadow).MOVIE_RECO_CHALLENGER_SHARE).toBeUndefined();
    expect(shadow.status.rollout).toMatchObject({ strategy: 'Canary', step: 0, share: 0 });
    expect(shadow.events).toEqual([
      expect.objectContaining({
        reason: 'RolloutStarted',
        message: expect.stringMatching(/^b answers in shadow of a/),
      }),
    ]);
    const canary = reconcile([a, b], at(20), online(0.9, 0.9, 50));
    expect(env(canary)).toMatchObject({ MOVIE_RECO_CHALLENGER_MODE: 'canary', MOVIE_RECO_CHALLENGER_SHARE: '20' });
    expect(canary.events).toEqual([
      expect.objectContaining({
        reason: 'CanaryStep',
        message: 'b serves 20% of users: canary step 1 (shadow) passed after 50 of 50 labels',
      }),
    ]);
  });

  it('never tries a rolled-back run again, also after later rollbacks', () => {
    const reconcile = story({ strategy: 'Shadow', analysis: { minLabels: 100 } });
    const c = candidate('c', 0.15);
    reconcile([a], t0);
    reconcile([a, b], at(10));
    reconcile([a, b], at(20), online(0.9, 1.2));
    expect(reconcile([a, b, c], at(30)).status.rollout).toMatchObject({ run: 'c', phase: 'Judging' });
    const second = reconcile([a, b, c], at(40), online(0.9, 1.3));
    expect(second.status.rolledBack).toEqual(['c', 'b']);
    const after = reconcile([a, b, c], at(50));
    expect(after.status.rollout).toMatchObject({ run: 'c', phase: 'RolledBack' });
    expect(after.status.champion?.run).toBe('a');
    expect(env(after).MOVIE_RECO_CHALLENGER_URI).toBeUndefined();
  });

  it('with select Newest, judges each new run online whatever its offline metric', () => {
    const reconcile = story({ strategy: 'Shadow' }, { select: 'Newest' });
    const champion = candidate('a', 0.3, t0.toISOString());
    const worseOffline = candidate('b', 0.1, at(5).toISOString());
    reconcile([champion], at(1));
    const judging = reconcile([champion, worseOffline], at(10));
    expect(judging.status.rollout).toMatchObject({ run: 'b', phase: 'Judging' });
    expect(judging.status.rollout?.reason).toMatch(/^newest passing run \(select Newest\); ndcgAt10 0\.1, -0\.2/);
    const promoted = reconcile([champion, worseOffline], at(20), online(0.9, 0.85, 200));
    expect(promoted.status.champion?.run).toBe('b');
    // Runs that finished before b's promotion are not new: a stays a former champion.
    const later = reconcile([champion, worseOffline], at(30));
    expect(later.status.champion?.run).toBe('b');
    expect(later.status.rollout?.phase).toBe('Promoted');
  });

  it('serves the first champion at once, whatever the strategy', () => {
    const first = story({ strategy: 'Shadow' })([a], t0);
    expect(first.status.champion?.run).toBe('a');
    expect(first.status.rollout).toBeUndefined();
  });

  it('judges on the ready pods of the current step only, summing their metrics', () => {
    const rollout = {
      run: 'b',
      artifact: 's3://m/b',
      digest: 'sha256:b',
      strategy: 'Canary' as const,
      phase: 'Judging' as const,
      step: 1,
      share: 50,
    };
    const pod = (name: string, share: string, ready = true): V1Pod => ({
      metadata: { name },
      spec: {
        containers: [
          {
            name: 'inference',
            env: [
              { name: 'MOVIE_RECO_CHALLENGER_URI', value: 's3://m/b' },
              { name: 'MOVIE_RECO_CHALLENGER_DIGEST', value: 'sha256:b' },
              { name: 'MOVIE_RECO_CHALLENGER_MODE', value: 'canary' },
              { name: 'MOVIE_RECO_CHALLENGER_SHARE', value: share },
            ],
          },
        ],
      },
      status: { podIP: '10.0.0.1', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
    });
    const pods = [pod('old-step', '10'), pod('current', '50'), pod('starting', '50', false), pod('current-2', '50')];
    expect(podsOfStep(pods, rollout).map((p) => p.metadata!.name)).toEqual(['current', 'current-2']);

    const text = (labels: number, errors: number) =>
      [
        `movie_reco_online_squared_error_sum{role="challenger",run="b"} ${labels / 4}`,
        `movie_reco_online_squared_error_count{role="challenger",run="b"} ${labels}`,
        `movie_reco_online_squared_error_count{role="champion",run="a"} ${labels}`,
        `movie_reco_model_answer_duration_seconds_bucket{le="0.01",role="challenger",run="b"} 100`,
        `movie_reco_model_answer_duration_seconds_count{role="challenger",run="b"} 100`,
        `movie_reco_model_answer_errors_total{role="challenger",run="b"} ${errors}`,
      ].join('\n');
    expect(observationOf([text(40, 1), text(60, 2)])).toEqual({
      champion: { labels: 100, squaredErrorSum: 0, servedRatings: 0, hits: 0 },
      challenger: { labels: 100, squaredErrorSum: 25, servedRatings: 0, hits: 0 },
      health: { answers: 200, errors: 3, p99Ms: 10 },
    });
    expect(observationOf([])).toBeUndefined();
  });
});
