import { describe, expect, it } from 'vitest';
import type { OnlineCounts } from '../../inference/online-figures.ts';
import type { ModelReleaseSpec } from '../api/resources.ts';
import { judgeRollout, type RolloutObservation, SLO_MIN_ANSWERS } from './rollout-judgement.ts';

type Rollout = NonNullable<ModelReleaseSpec['rollout']>;

const t0 = new Date('2026-12-01T00:00:00Z');
const later = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const start = { step: 0, stepStartedAt: t0, challengerLabelsAtStepStart: 0 };
/** `labels` labels with the given RMSE and, of `served` ratings by served users, a hit rate. */
const counts = (labels: number, rmse: number, hitRate = 0.2, served = labels / 2): OnlineCounts => ({
  labels,
  squaredErrorSum: rmse * rmse * labels,
  servedRatings: served,
  hits: Math.round(hitRate * served),
});
const healthy = { answers: 1000, errors: 0, p99Ms: 20 };
const observe = (champion: OnlineCounts, challenger: OnlineCounts, health = healthy): RolloutObservation => ({
  champion,
  challenger,
  health,
});
const shadow: Rollout = { strategy: 'Shadow', analysis: { minLabels: 100, maxRmseIncrease: 0.02 } };
const canary: Rollout = {
  strategy: 'Canary',
  steps: [
    { share: 10, pause: { labels: 50 } },
    { share: 50, pause: { seconds: 600 } },
  ],
  analysis: { minLabels: 100 },
};

describe('rollout judgement', () => {
  it('waits for minLabels on both models, then promotes a challenger not worse by the margin', () => {
    expect(judgeRollout(shadow, start, observe(counts(99, 0.9), counts(99, 0.85)), t0)).toMatchObject({
      action: 'Wait',
      reason: '99 of 100 labels for both models',
    });
    const promoted = judgeRollout(shadow, start, observe(counts(100, 0.9), counts(100, 0.915)), t0);
    expect(promoted.action).toBe('Promote');
    expect(promoted.reason).toMatch(/online RMSE 0\.915 vs champion 0\.9.*not worse/);
  });

  it('rolls back a challenger worse online than the margin allows, on RMSE or on hit rate', () => {
    const worseRmse = judgeRollout(shadow, start, observe(counts(100, 0.9), counts(100, 0.93)), t0);
    expect(worseRmse).toMatchObject({ action: 'RollBack' });
    expect(worseRmse.reason).toMatch(/online RMSE 0\.93 vs champion 0\.9: worse by more than 0\.02 over 100 labels/);
    const fewerHits = judgeRollout(shadow, start, observe(counts(100, 0.9, 0.3), counts(100, 0.9, 0.1)), t0);
    expect(fewerHits).toMatchObject({ action: 'RollBack' });
    expect(fewerHits.reason).toMatch(/hit rate 0\.1 vs 0\.3: hit rate lower by more than 0/);
    const withinMargin: Rollout = { ...shadow, analysis: { ...shadow.analysis, maxHitRateDecrease: 0.25 } };
    expect(judgeRollout(withinMargin, start, observe(counts(100, 0.9, 0.3), counts(100, 0.9, 0.1)), t0).action).toBe(
      'Promote',
    );
  });

  it('rolls back at once on an SLO breach, before any label, but not on a handful of answers', () => {
    const none = counts(0, 0);
    const failing = { answers: SLO_MIN_ANSWERS, errors: 1, p99Ms: 10 };
    expect(judgeRollout(shadow, start, observe(none, none, failing), t0)).toMatchObject({
      action: 'RollBack',
      reason: `challenger error ratio 0.02 above the SLO's 0.01 (1 of ${SLO_MIN_ANSWERS} answers)`,
    });
    const slow = { answers: 500, errors: 0, p99Ms: 750 };
    expect(judgeRollout(shadow, start, observe(none, none, slow), t0)).toMatchObject({
      action: 'RollBack',
      reason: "challenger p99 answer time 750 ms above the SLO's 500 ms",
    });
    const early = { answers: SLO_MIN_ANSWERS - 1, errors: 5, p99Ms: 900 };
    expect(judgeRollout(shadow, start, observe(none, none, early), t0).action).toBe('Wait');
    const ownSlo: Rollout = { ...shadow, analysis: { slo: { maxP99LatencyMs: 1000, maxErrorRatio: 0.5 } } };
    expect(judgeRollout(ownSlo, start, observe(none, none, slow), t0).action).toBe('Wait');
  });

  it('moves through canary steps by labels or seconds, and promotes only after the last', () => {
    const good = observe(counts(120, 0.9), counts(120, 0.88));
    // Step 1 pauses for 50 challenger labels counted from the step start.
    const midStep = { ...start, challengerLabelsAtStepStart: 80 };
    expect(judgeRollout(canary, midStep, good, t0)).toMatchObject({
      action: 'Wait',
      reason: 'canary step 1 (10%): 40 of 50 labels',
    });
    expect(judgeRollout(canary, { ...midStep, challengerLabelsAtStepStart: 70 }, good, t0)).toMatchObject({
      action: 'NextStep',
      step: 1,
    });
    // Step 2 pauses for 600 s; then the judgement promotes.
    const step2 = { step: 1, stepStartedAt: t0, challengerLabelsAtStepStart: 120 };
    expect(judgeRollout(canary, step2, good, later(599))).toMatchObject({
      action: 'Wait',
      reason: 'canary step 2 (50%): 599 of 600 s',
    });
    expect(judgeRollout(canary, step2, good, later(600)).action).toBe('Promote');
    // A last step over before minLabels waits for them.
    const thin = observe(counts(60, 0.9), counts(60, 0.88));
    expect(judgeRollout(canary, { ...step2, challengerLabelsAtStepStart: 0 }, thin, later(600))).toMatchObject({
      action: 'Wait',
      reason: '60 of 100 labels for both models',
    });
  });

  it('rolls a worse canary back during any step once minLabels are in', () => {
    const worse = observe(counts(100, 0.9), counts(100, 1.1));
    expect(judgeRollout(canary, start, worse, t0).action).toBe('RollBack');
  });
});
