/**
 * The judgement of a Shadow or Canary rollout, pure: from the release's rollout spec, where the
 * rollout stands and what the pods measured, whether to roll the challenger back, promote it, move
 * to the next canary step, or wait.
 *
 * - An SLO breach (error ratio or p99 answer time of the challenger) rolls back at once.
 * - Once both models hold minLabels labels, a challenger worse online than the champion by more
 *   than the margins (RMSE up, hit rate down) rolls back at once, whatever the step. Both models
 *   predict every posted rating, so the comparison is on the same ratings.
 * - A canary step ends when its pause (labels since the step started, or seconds) is over; after
 *   the last step, or in Shadow, the challenger is promoted once it has minLabels labels and is
 *   not worse.
 */
import type { ModelReleaseSpec } from '../api/resources.ts';
import { figuresFromCounts, type OnlineCounts } from '../../inference/online-figures.ts';

type Rollout = NonNullable<ModelReleaseSpec['rollout']>;

export const analysisDefaults = {
  minLabels: 200,
  maxRmseIncrease: 0,
  maxHitRateDecrease: 0,
  slo: { maxErrorRatio: 0.01, maxP99LatencyMs: 500 },
} as const;

/** Answers the challenger must have given before its error ratio and p99 are judged: one failure is not a ratio. */
export const SLO_MIN_ANSWERS = 50;

export interface RolloutPosition {
  /** Index of the canary step in force; 0 in Shadow. */
  step: number;
  stepStartedAt: Date;
  /** The challenger's label count when the step started. */
  challengerLabelsAtStepStart: number;
}

export interface ChallengerHealth {
  answers: number;
  errors: number;
  /** 99th percentile of its answer times, in milliseconds; null before any answer. */
  p99Ms: number | null;
}

export interface RolloutObservation {
  champion: OnlineCounts;
  challenger: OnlineCounts;
  health: ChallengerHealth;
}

export type RolloutVerdict =
  | { action: 'RollBack'; reason: string }
  | { action: 'Promote'; reason: string }
  | { action: 'NextStep'; step: number; reason: string }
  | { action: 'Wait'; reason: string };

export function judgeRollout(
  rollout: Rollout,
  position: RolloutPosition,
  observed: RolloutObservation,
  now: Date,
): RolloutVerdict {
  const analysis = rollout.analysis ?? {};
  const slo = { ...analysisDefaults.slo, ...analysis.slo };
  const minLabels = analysis.minLabels ?? analysisDefaults.minLabels;
  const { health } = observed;

  if (health.answers >= SLO_MIN_ANSWERS) {
    const errorRatio = health.errors / health.answers;
    if (errorRatio > slo.maxErrorRatio)
      return {
        action: 'RollBack',
        reason:
          `challenger error ratio ${fixed(errorRatio)} above the SLO's ${slo.maxErrorRatio} ` +
          `(${health.errors} of ${health.answers} answers)`,
      };
    if (health.p99Ms !== null && health.p99Ms > slo.maxP99LatencyMs)
      return {
        action: 'RollBack',
        reason: `challenger p99 answer time ${fixed(health.p99Ms)} ms above the SLO's ${slo.maxP99LatencyMs} ms`,
      };
  }

  const champion = figuresFromCounts(observed.champion);
  const challenger = figuresFromCounts(observed.challenger);
  const judged = Math.min(champion.labels, challenger.labels) >= minLabels;
  const comparison = judged ? compare(champion, challenger, analysis) : undefined;
  if (comparison?.worse) return { action: 'RollBack', reason: comparison.reason };

  const steps = rollout.strategy === 'Canary' ? (rollout.steps ?? []) : [];
  const step = steps[position.step];
  if (step) {
    const labelsInStep = challenger.labels - position.challengerLabelsAtStepStart;
    const seconds = (now.getTime() - position.stepStartedAt.getTime()) / 1000;
    const pause = step.pause;
    const over = pause.labels !== undefined ? labelsInStep >= pause.labels : seconds >= (pause.seconds ?? 0);
    const progress =
      pause.labels !== undefined
        ? `${labelsInStep} of ${pause.labels} labels`
        : `${Math.floor(seconds)} of ${pause.seconds} s`;
    const name = `canary step ${position.step + 1} (${step.share > 0 ? `${step.share}%` : 'shadow'})`;
    if (!over) return { action: 'Wait', reason: `${name}: ${progress}` };
    if (position.step + 1 < steps.length)
      return { action: 'NextStep', step: position.step + 1, reason: `${name} passed after ${progress}` };
  }
  if (!comparison)
    return {
      action: 'Wait',
      reason: `${Math.min(champion.labels, challenger.labels)} of ${minLabels} labels for both models`,
    };
  return { action: 'Promote', reason: comparison.reason };
}

function compare(
  champion: ReturnType<typeof figuresFromCounts>,
  challenger: ReturnType<typeof figuresFromCounts>,
  analysis: NonNullable<Rollout['analysis']>,
): { worse: boolean; reason: string } {
  const rmseMargin = analysis.maxRmseIncrease ?? analysisDefaults.maxRmseIncrease;
  const hitMargin = analysis.maxHitRateDecrease ?? analysisDefaults.maxHitRateDecrease;
  const rmse = `online RMSE ${fixed(challenger.rmse!)} vs champion ${fixed(champion.rmse!)}`;
  if (challenger.rmse! > champion.rmse! + rmseMargin)
    return { worse: true, reason: `${rmse}: worse by more than ${rmseMargin} over ${challenger.labels} labels` };
  const hitRates = champion.hitRate !== null && challenger.hitRate !== null;
  const hits = hitRates ? `, hit rate ${fixed(challenger.hitRate!)} vs ${fixed(champion.hitRate!)}` : '';
  if (hitRates && challenger.hitRate! < champion.hitRate! - hitMargin)
    return { worse: true, reason: `${rmse}${hits}: hit rate lower by more than ${hitMargin}` };
  return { worse: false, reason: `${rmse}${hits} over ${challenger.labels} labels: not worse` };
}

const fixed = (x: number) => (Math.round(x * 10_000) / 10_000).toString();
