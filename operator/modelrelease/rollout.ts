/**
 * Where a Shadow or Canary rollout goes next, pure: from the champion selection, the rollout in the
 * status and what the pods of the current step measured. Replace (the default), a pin and the
 * first champion take the selection as it is.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { answerHealthFromMetrics, figuresFromCounts, onlineCountsFromMetrics } from '../../inference/online-figures.ts';
import type { ModelRelease, ModelReleaseStatus } from '../api/resources.ts';
import type { ChampionDecision } from './champion.ts';
import { judgeRollout, type RolloutObservation } from './rollout-judgement.ts';
import { challengerEnv, type ServedChallenger } from './serving.ts';

export type RolloutStatus = NonNullable<ModelReleaseStatus['rollout']>;

export type RolloutStep =
  /** No rollout: the selection stands (today's Replace); `rollout` closes one left judging. */
  | { kind: 'none'; rollout?: RolloutStatus }
  | {
      kind: 'judging';
      rollout: RolloutStatus;
      challenger: ServedChallenger;
      /** What happened this time: a rollout started, a canary step began, or nothing new. */
      change: 'started' | 'nextStep' | undefined;
    }
  | { kind: 'promote'; rollout: RolloutStatus; reason: string }
  | { kind: 'rollBack'; rollout: RolloutStatus; reason: string };

export function stepRollout(args: {
  release: ModelRelease;
  previous: RolloutStatus | undefined;
  selection: ChampionDecision;
  currentChampion: string | undefined;
  /** From the pods serving the rollout's current step; undefined when none answered. */
  observed: RolloutObservation | undefined;
  now: Date;
}): RolloutStep {
  const { release, previous, selection, observed, now } = args;
  const spec = release.spec.rollout ?? {};
  const strategy = spec.strategy ?? 'Replace';
  const candidate = selection.champion;
  if (
    strategy === 'Replace' ||
    !selection.changed ||
    !candidate ||
    !args.currentChampion ||
    selection.judged?.outcome === 'Pinned'
  )
    return { kind: 'none', ...closed(previous, selection) };

  const steps = strategy === 'Canary' ? (spec.steps ?? []) : [];
  const continuing = previous?.run === candidate.name && previous.phase === 'Judging' && previous.strategy === strategy;
  if (!continuing) {
    const rollout: RolloutStatus = {
      run: candidate.name,
      artifact: candidate.artifact.uri,
      digest: candidate.artifact.digest,
      strategy,
      phase: 'Judging',
      step: 0,
      share: steps[0]?.share ?? 0,
      stepStartedAt: now.toISOString(),
      reason: `${selection.judged?.reason ?? 'selected'}; judged online next`,
    };
    return { kind: 'judging', rollout, challenger: challengerOf(rollout, spec), change: 'started' };
  }
  if (!observed)
    return {
      kind: 'judging',
      rollout: { ...previous, reason: 'no inference pod of this step has answered for its metrics yet' },
      challenger: challengerOf(previous, spec),
      change: undefined,
    };

  const position = {
    step: previous.step ?? 0,
    stepStartedAt: new Date(previous.stepStartedAt ?? now),
    // The figures come from the pods of this step only, started with it.
    challengerLabelsAtStepStart: 0,
  };
  const verdict = judgeRollout(spec, position, observed, now);
  const online = onlineOf(observed);
  switch (verdict.action) {
    case 'RollBack':
      return {
        kind: 'rollBack',
        rollout: { ...previous, phase: 'RolledBack', reason: verdict.reason, online },
        reason: verdict.reason,
      };
    case 'Promote':
      return {
        kind: 'promote',
        rollout: { ...previous, phase: 'Promoted', reason: verdict.reason, online },
        reason: verdict.reason,
      };
    case 'NextStep': {
      const rollout: RolloutStatus = {
        ...previous,
        step: verdict.step,
        share: steps[verdict.step]!.share,
        stepStartedAt: now.toISOString(),
        reason: verdict.reason,
        online,
      };
      return { kind: 'judging', rollout, challenger: challengerOf(rollout, spec), change: 'nextStep' };
    }
    case 'Wait': {
      const rollout = { ...previous, reason: verdict.reason, online };
      return { kind: 'judging', rollout, challenger: challengerOf(rollout, spec), change: undefined };
    }
  }
}

/** A rollout left judging when the spec or the selection moved on: promoted without judgement, or dropped. */
function closed(previous: RolloutStatus | undefined, selection: ChampionDecision): { rollout?: RolloutStatus } {
  if (previous?.phase !== 'Judging') return {};
  const promoted = selection.changed && selection.champion?.name === previous.run;
  return {
    rollout: {
      ...previous,
      phase: promoted ? 'Promoted' : 'RolledBack',
      reason: promoted
        ? 'promoted without online judgement (spec.rollout is Replace, or the run was pinned)'
        : 'dropped before judgement: the selection or the spec changed',
    },
  };
}

/** The challenger the pods serve at the rollout's step: a canary step of share 0 shadows it. */
function challengerOf(rollout: RolloutStatus, spec?: ModelRelease['spec']['rollout']): ServedChallenger {
  const share = rollout.strategy === 'Canary' ? (rollout.share ?? 0) : 0;
  const delayMs = spec?.faultInjection?.challengerDelayMs;
  return {
    run: rollout.run!,
    artifactUri: rollout.artifact!,
    digest: rollout.digest!,
    mode: share > 0 ? 'canary' : 'shadow',
    sharePercent: share,
    ...(delayMs ? { delayMs } : {}),
  };
}

function onlineOf({ champion, challenger, health }: RolloutObservation): RolloutStatus['online'] {
  const a = figuresFromCounts(champion);
  const b = figuresFromCounts(challenger);
  const figures = {
    championLabels: a.labels,
    championRmse: a.rmse,
    championHitRate: a.hitRate,
    challengerLabels: b.labels,
    challengerRmse: b.rmse,
    challengerHitRate: b.hitRate,
    challengerErrorRatio: health.answers > 0 ? health.errors / health.answers : null,
    challengerP99Ms: health.p99Ms,
  };
  return Object.fromEntries(Object.entries(figures).filter(([, value]) => value !== null));
}

/** How often a judging rollout is looked at again: an SLO breach must roll back within 30 s. */
export const JUDGING_REQUEUE_MS = 10_000;

/** The release's ready inference pods that serve the rollout's current step (same challenger and share). */
export function podsOfStep(pods: readonly V1Pod[], rollout: RolloutStatus): V1Pod[] {
  const challenger = challengerOf(rollout);
  const wanted = Object.fromEntries(challengerEnv(challenger).map((e) => [e.name, e.value]));
  return pods.filter((pod) => {
    const env = new Map((pod.spec?.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
    const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    const sameStep =
      Object.entries(wanted).every(([name, value]) => env.get(name) === value) &&
      (challenger.mode === 'canary' || !env.has('MOVIE_RECO_CHALLENGER_SHARE'));
    return ready && pod.status?.podIP && !pod.metadata?.deletionTimestamp && sameStep;
  });
}

/** The online figures of both models and the challenger's health, summed over the pods' /metrics texts. */
export function observationOf(texts: readonly string[]): RolloutObservation | undefined {
  if (texts.length === 0) return undefined;
  const sum = (role: 'champion' | 'challenger') =>
    texts
      .map((text) => onlineCountsFromMetrics(text, role))
      .reduce((total, counts) => ({
        labels: total.labels + counts.labels,
        squaredErrorSum: total.squaredErrorSum + counts.squaredErrorSum,
        servedRatings: total.servedRatings + counts.servedRatings,
        hits: total.hits + counts.hits,
      }));
  return {
    champion: sum('champion'),
    challenger: sum('challenger'),
    health: answerHealthFromMetrics(texts, 'challenger'),
  };
}
