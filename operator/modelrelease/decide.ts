/**
 * The ModelRelease state machine, pure: from the release, the TrainingRuns in its namespace and
 * its observed Deployment to the champion, the serving objects that should exist, the next status
 * and Events. No champion yet means nothing is served.
 */
import type { V1Deployment, V1Pod, V1Service, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { ModelRelease, ModelReleaseStatus, RunMetrics, TrainingRun } from '../api/resources.ts';
import { findCondition, setCondition, type ConditionUpdate } from '../kit/conditions.ts';
import type { EventNote } from '../kit/events.ts';
import { podProblem } from '../kit/pod-problems.ts';
import { candidateOf, recordedRunId, selectChampion, type Candidate, type Outcome } from './champion.ts';
import { stepRollout } from './rollout.ts';
import type { RolloutObservation } from './rollout-judgement.ts';
import {
  desiredAutoscaler,
  desiredDeployment,
  desiredService,
  serviceUrl,
  servingNameFor,
  type ServingSettings,
} from './serving.ts';

export interface ModelReleaseInputs {
  release: ModelRelease;
  runs: readonly TrainingRun[];
  deployment: V1Deployment | undefined;
  /** The release's inference pods, to tell why a rollout does not become ready. */
  pods?: readonly V1Pod[];
  now: Date;
  settings: ServingSettings;
  /** During a Shadow or Canary rollout: the online figures of the pods serving its current step. */
  online?: RolloutObservation | undefined;
}

export interface PromotionRecord {
  model: string;
  run: string;
  /** Ids in the run records, for the promotions table. */
  runId: string;
  previousRun: string | undefined;
  previousRunId: string | undefined;
  reason: string;
  metric: string;
  metricValue: number | undefined;
  previousMetricValue: number | undefined;
  /** The champion's promotedAt in status: with model and run, what the promotion is known by. */
  promotedAt: string;
}

/** One judgement of the gates, for the gate_decisions table: the run, what became of it and why. */
export interface GateDecisionRecord {
  model: string;
  run: string;
  /** Ids in the run records. */
  runId: string;
  outcome: Outcome;
  reason: string;
  metric: string;
  metricValue: number | undefined;
  /** The champion it was judged against: replaced when promoted or pinned, kept when rejected. */
  championRun: string | undefined;
  championRunId: string | undefined;
  championMetricValue: number | undefined;
  /** When it was judged. */
  decidedAt: string;
}

export interface ModelReleaseDecision {
  deployment: V1Deployment | undefined;
  service: V1Service | undefined;
  autoscaler: V2HorizontalPodAutoscaler | undefined;
  status: ModelReleaseStatus;
  events: EventNote[];
  /** Set when the champion changes: to record in the promotions table and the metrics. */
  promotion: PromotionRecord | undefined;
  /** Set when the gates judged anew (a promotion, a pin, or a rejection not already in lastDecision). */
  gateDecision: GateDecisionRecord | undefined;
}

const historyLimit = 10;
const rolledBackLimit = 20;

export function decideModelRelease(inputs: ModelReleaseInputs): ModelReleaseDecision {
  const { release, runs, deployment, now, settings } = inputs;
  const previous = release.status ?? {};
  const generation = release.metadata.generation;
  const metric = release.spec.promotion?.metric ?? 'ndcgAt10';
  // A run rolled back on its online figures is not selected again (unless pinned).
  const rolledBack = rolledBackRuns(previous);
  const candidates = runs
    .map((run) => candidateOf(run, release.spec.model))
    .filter((c): c is Candidate => c !== undefined)
    .filter((c) => !rolledBack.includes(c.name) || c.name === release.spec.promotion?.pinnedRun);
  const selected = selectChampion(
    release.spec.promotion,
    candidates,
    previous.champion?.run,
    previous.champion?.promotedAt,
  );
  const events: EventNote[] = [];
  // Shadow and Canary hold a selected challenger back until it is judged online.
  const rollout = stepRollout({
    release,
    previous: previous.rollout,
    selection: selected,
    currentChampion: previous.champion?.run,
    observed: inputs.online,
    now,
  });
  const selection =
    rollout.kind === 'none'
      ? selected
      : rollout.kind === 'promote'
        ? {
            ...selected,
            judged: { ...selected.judged!, reason: `${selected.judged!.reason}; online: ${rollout.reason}` },
          }
        : {
            ...selected,
            changed: false,
            judged:
              rollout.kind === 'rollBack'
                ? { run: rollout.rollout.run!, outcome: 'Rejected' as const, reason: `rolled back: ${rollout.reason}` }
                : undefined,
          };
  if (rollout.kind === 'judging' && rollout.change)
    events.push({
      type: 'Normal',
      reason: rollout.change === 'started' ? 'RolloutStarted' : 'CanaryStep',
      message:
        rollout.challenger.mode === 'shadow'
          ? `${rollout.challenger.run} answers in shadow of ${previous.champion?.run}: ${rollout.rollout.reason}`
          : `${rollout.challenger.run} serves ${rollout.challenger.sharePercent}% of users: ${rollout.rollout.reason}`,
    });
  if (rollout.kind === 'rollBack')
    events.push({
      type: 'Warning',
      reason: 'RolledBack',
      message: `${rollout.rollout.run} rolled back: ${rollout.reason}`,
    });

  let champion = previous.champion;
  let history = previous.history ?? [];
  let promotion: PromotionRecord | undefined;
  if (selection.changed && selection.champion) {
    const next = selection.champion;
    const reason = selection.judged?.reason ?? '';
    champion = {
      run: next.name,
      artifact: next.artifact.uri,
      digest: next.artifact.digest,
      metrics: next.metrics,
      promotedAt: now.toISOString(),
    };
    history = [
      { run: next.name, digest: next.artifact.digest, promotedAt: now.toISOString(), reason },
      ...history,
    ].slice(0, historyLimit);
    promotion = {
      model: release.spec.model,
      run: next.name,
      runId: next.runId,
      previousRun: previous.champion?.run,
      previousRunId: candidates.find((c) => c.name === previous.champion?.run)?.runId,
      reason,
      metric,
      metricValue: next.metrics[metric],
      previousMetricValue: previous.champion?.metrics?.[metric],
      promotedAt: now.toISOString(),
    };
    events.push({
      type: 'Normal',
      reason: selection.judged?.outcome === 'Pinned' ? 'Pinned' : 'Promoted',
      message: `${next.name} is the champion: ${reason}`,
    });
  }

  const judged = selection.judged;
  const sameJudgement =
    judged &&
    previous.lastDecision?.run === judged.run &&
    previous.lastDecision.outcome === judged.outcome &&
    previous.lastDecision.reason === judged.reason;
  const lastDecision = judged
    ? { ...judged, time: sameJudgement ? previous.lastDecision!.time! : now.toISOString() }
    : previous.lastDecision;
  if (judged?.outcome === 'Rejected' && !sameJudgement && rollout.kind !== 'rollBack')
    events.push({ type: 'Normal', reason: 'Rejected', message: `${judged.run} rejected: ${judged.reason}` });
  // Told when the Event is: a promotion whenever the champion changes, a rejection once. A rejected
  // pinnedRun that does not exist is not a run the gates judged (no run record): the condition says it.
  const judgedRun = judged && candidates.find((c) => c.name === judged.run);
  const gateDecision: GateDecisionRecord | undefined =
    judged && judgedRun && (judged.outcome === 'Rejected' ? !sameJudgement : promotion !== undefined)
      ? {
          model: release.spec.model,
          run: judged.run,
          runId: judgedRun.runId,
          outcome: judged.outcome,
          reason: judged.reason,
          metric,
          metricValue: judgedRun.metrics[metric],
          championRun: previous.champion?.run,
          championRunId: candidates.find((c) => c.name === previous.champion?.run)?.runId,
          championMetricValue: previous.champion?.metrics?.[metric],
          decidedAt: now.toISOString(),
        }
      : undefined;

  const servingChampion =
    champion?.run && champion.artifact && champion.digest
      ? { run: champion.run, artifactUri: champion.artifact, digest: champion.digest }
      : undefined;
  const challenger = rollout.kind === 'judging' ? rollout.challenger : undefined;
  const desired = servingChampion ? desiredDeployment(release, servingChampion, settings, challenger) : undefined;

  const promoted: ConditionUpdate = selection.problem
    ? { type: 'Promoted', status: 'False', ...selection.problem }
    : champion?.run
      ? {
          type: 'Promoted',
          status: 'True',
          reason:
            selection.judged?.outcome === 'Pinned' || release.spec.promotion?.pinnedRun ? 'Pinned' : 'ChampionSelected',
          message: `${champion.run} is the champion`,
        }
      : {
          type: 'Promoted',
          status: 'False',
          reason: 'NoEligibleRun',
          message: judged
            ? `no run passes the gates: ${judged.run}: ${judged.reason}`
            : `no Succeeded TrainingRun of model ${release.spec.model} yet`,
        };

  const wanted = release.spec.serving?.autoscaling
    ? (release.spec.serving.autoscaling.minReplicas ?? 1)
    : (release.spec.serving?.replicas ?? 1);
  const { condition: ready, stuck } = readiness(deployment, servingChampion?.digest, wanted, inputs.pods ?? [], now);
  if (stuck && findCondition(previous.conditions, 'Ready')?.reason !== ready.reason)
    events.push({ type: 'Warning', reason: ready.reason, message: ready.message });
  const rolloutStatus = rollout.rollout ?? previous.rollout;
  const rolloutCondition: ConditionUpdate[] = rolloutStatus
    ? [
        {
          type: 'Rollout',
          status: rolloutStatus.phase === 'RolledBack' ? 'False' : 'True',
          reason: rolloutStatus.phase ?? 'Judging',
          message: `${rolloutStatus.run}: ${rolloutStatus.reason ?? ''}`,
        },
      ]
    : [];
  const conditions = [promoted, ready, ...rolloutCondition].reduce(
    (list, update) => setCondition(list, update, generation, now),
    previous.conditions,
  );

  const status: ModelReleaseStatus = {
    ...previous,
    observedGeneration: generation,
    ...(champion ? { champion } : {}),
    ...(history.length ? { history } : {}),
    ...(lastDecision ? { lastDecision } : {}),
    ...(rolloutStatus ? { rollout: rolloutStatus } : {}),
    ...(rollout.kind === 'rollBack'
      ? {
          rolledBack: [rollout.rollout.run!, ...rolledBack.filter((run) => run !== rollout.rollout.run)].slice(
            0,
            rolledBackLimit,
          ),
        }
      : {}),
    ...(desired
      ? {
          serving: {
            deployment: servingNameFor(release),
            service: servingNameFor(release),
            url: serviceUrl(release),
            replicas: deployment?.status?.replicas ?? 0,
            readyReplicas: deployment?.status?.readyReplicas ?? 0,
          },
        }
      : {}),
    conditions,
  };
  return {
    deployment: desired,
    service: desired ? desiredService(release) : undefined,
    autoscaler: desired ? desiredAutoscaler(release) : undefined,
    status,
    events,
    promotion,
    gateDecision,
  };
}

/** Runs rolled back on their online figures, newest first; a status written before the list had the last one only. */
function rolledBackRuns(status: ModelReleaseStatus): string[] {
  const last = status.rollout?.phase === 'RolledBack' ? status.rollout.run : undefined;
  const listed = status.rolledBack ?? [];
  return last && !listed.includes(last) ? [last, ...listed] : listed;
}

/**
 * The promotions and the last judgement that a release's status tells of, as records: what an
 * operator writes again after a restart, as the one before it may have died between its status
 * write and its records (the tables keep each record once). A record whose own run is no longer
 * listed is left out (it has no run id to give), as is the oldest promotion of a full history,
 * whose predecessor is forgotten. A predecessor or champion no longer listed is named without a run
 * id, as the decision itself records one deleted before it: a run re-promoted after its champion's
 * run was deleted is recorded either way.
 */
export function recordsOfStatus(
  release: ModelRelease,
  runs: readonly TrainingRun[],
): { promotions: PromotionRecord[]; gateDecision: GateDecisionRecord | undefined } {
  const model = release.spec.model;
  const metric = release.spec.promotion?.metric ?? 'ndcgAt10';
  const { history = [], lastDecision, champion } = release.status ?? {};
  const runOf = (name: string | undefined) => {
    const run = name === undefined ? undefined : runs.find((r) => r.metadata.name === name && r.spec.model === model);
    return run && { runId: recordedRunId(run), metricValue: run.status?.metrics?.[metric as keyof RunMetrics] };
  };
  const promotions: PromotionRecord[] = [];
  history.forEach((entry, i) => {
    const promoted = runOf(entry.run);
    const previousRun = history[i + 1]?.run;
    const previous = runOf(previousRun);
    const predecessorKnown = i + 1 < history.length || history.length < historyLimit;
    if (!promoted || !entry.promotedAt || !predecessorKnown) return;
    promotions.push({
      model,
      run: entry.run!,
      runId: promoted.runId,
      previousRun,
      previousRunId: previous?.runId,
      reason: entry.reason ?? '',
      metric,
      metricValue: promoted.metricValue,
      previousMetricValue: previous?.metricValue,
      promotedAt: entry.promotedAt,
    });
  });

  const judged = runOf(lastDecision?.run);
  if (!lastDecision?.outcome || !lastDecision.time || !judged) return { promotions, gateDecision: undefined };
  // A promotion was judged against the champion before it; a rejection against the champion kept.
  const promotedAt = history.findIndex(
    (entry) => entry.run === lastDecision.run && entry.promotedAt === lastDecision.time,
  );
  if (lastDecision.outcome !== 'Rejected' && promotedAt < 0) return { promotions, gateDecision: undefined };
  const championRun = lastDecision.outcome === 'Rejected' ? champion?.run : history[promotedAt + 1]?.run;
  const against = runOf(championRun);
  // A rejection was weighed against the champion the status still holds, with its metrics.
  const championMetricValue =
    against?.metricValue ??
    (lastDecision.outcome === 'Rejected' ? champion?.metrics?.[metric as keyof RunMetrics] : undefined);
  const gateDecision: GateDecisionRecord = {
    model,
    run: lastDecision.run!,
    runId: judged.runId,
    outcome: lastDecision.outcome,
    reason: lastDecision.reason ?? '',
    metric,
    metricValue: judged.metricValue,
    championRun,
    championRunId: against?.runId,
    championMetricValue,
    decidedAt: lastDecision.time,
  };
  return { promotions, gateDecision };
}

/**
 * Ready only when the pods of the current champion, not an older one, are rolled out and ready;
 * while not, the reason says why, and `stuck` whether waiting will help.
 */
function readiness(
  deployment: V1Deployment | undefined,
  digest: string | undefined,
  wanted: number,
  pods: readonly V1Pod[],
  now: Date,
): { condition: ConditionUpdate; stuck: boolean } {
  const notReady = (reason: string, message: string, stuck = false) => ({
    condition: { type: 'Ready', status: 'False' as const, reason, message },
    stuck,
  });
  if (!digest) return notReady('NoChampion', 'nothing to serve until a run is promoted');
  if (!deployment) return notReady('Deploying', 'inference Deployment not observed yet');
  const servedDigest = deployment.spec?.template.spec?.containers[0]?.env?.find(
    (e) => e.name === 'MOVIE_RECO_MODEL_DIGEST',
  )?.value;
  const s = deployment.status ?? {};
  const current = servedDigest === digest && (s.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 1);
  const rolledOut =
    current &&
    (s.updatedReplicas ?? 0) >= wanted &&
    (s.readyReplicas ?? 0) >= wanted &&
    (s.replicas ?? 0) === (s.updatedReplicas ?? 0);
  if (rolledOut) {
    const message = `${s.readyReplicas} ready replica(s) serve ${digest}`;
    return { condition: { type: 'Ready', status: 'True', reason: 'RolloutComplete', message }, stuck: false };
  }
  const progress = `${s.updatedReplicas ?? 0} of ${wanted} replica(s) updated, ${s.readyReplicas ?? 0} ready`;
  const serving = (s.readyReplicas ?? 0) > 0 ? '; the ready pods keep serving' : '';
  const problem = podProblem(pods, now);
  if (problem) return notReady(problem.reason, `${problem.message}${serving}`, true);
  const progressing = s.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    // With no pod to read, the ReplicaSet's failure to create one (a quota, an admission refusal) is the why.
    const failure = s.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
    const why = failure?.message ? `; ${failure.message}` : '';
    const message = `${progress}: ${progressing.message ?? 'the rollout made no progress'}${why}${serving}`;
    return notReady('ProgressDeadlineExceeded', message, true);
  }
  return notReady('RollingOut', progress);
}
