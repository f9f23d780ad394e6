/** The thin shell around decideModelRelease: read, apply the serving objects, write status, tell. */
import { isDeepStrictEqual } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import type { Logger } from '../../common/log.ts';
import { group, modelReleaseLabel, modelReleases, trainingRuns, version, type ModelRelease, type TrainingRun } from '../api/resources.ts';
import { isStatus } from '../kit/api-errors.ts';
import { makeApplier } from '../kit/apply.ts';
import type { ReconcileOutcome } from '../kit/controller.ts';
import type { EventRecorder } from '../kit/events.ts';
import { splitKey } from '../kit/informer.ts';
import type { OperatorMetrics } from '../kit/metrics.ts';
import { patchStatus } from '../kit/status-writer.ts';
import { decideModelRelease, type GateDecisionRecord, type PromotionRecord } from './decide.ts';
import { decideRetrain } from './retrain.ts';
import { servingNameFor, type ServingSettings } from './serving.ts';

export interface ListCache<T> {
  get(name: string, namespace?: string): T | undefined;
  list(namespace?: string): readonly T[];
}

export interface ModelReleaseReconcilerDeps {
  kc: k8s.KubeConfig;
  releases: ListCache<ModelRelease>;
  runs: ListCache<TrainingRun>;
  deployments: ListCache<k8s.V1Deployment>;
  settings: ServingSettings;
  events: EventRecorder;
  metrics: OperatorMetrics;
  log: Logger;
  /** Ratings that arrived after a rating id (the champion's snapshot); without it minNewRatings never fires. */
  newRatingsSince?: (maxRatingId: number) => Promise<number>;
  /** Records a promotion outside the cluster (the MySQL promotions table); optional. */
  recordPromotion?: (promotion: PromotionRecord) => Promise<void>;
  /** Records a judgement of the gates, promotion or rejection, outside the cluster (the MySQL gate_decisions table); optional. */
  recordGateDecision?: (decision: GateDecisionRecord) => Promise<void>;
  /** How often minNewRatings is checked (default one minute). */
  ratingsPollMs?: number;
  now?: () => Date;
}

export function modelReleaseReconciler(deps: ModelReleaseReconcilerDeps): (key: string) => Promise<ReconcileOutcome | void> {
  const apply = makeApplier(deps.kc);
  const objects = deps.kc.makeApiClient(k8s.CustomObjectsApi);
  const autoscaling = deps.kc.makeApiClient(k8s.AutoscalingV2Api);
  const now = deps.now ?? (() => new Date());

  return async (key) => {
    const { namespace, name } = splitKey(key);
    const release = deps.releases.get(name, namespace);
    if (!release || release.metadata.deletionTimestamp) return;
    const log = deps.log.child({ modelRelease: key });

    const deployment = deps.deployments.get(servingNameFor(release), namespace);
    const runs = deps.runs.list(namespace);
    const decision = decideModelRelease({ release, runs, deployment, now: now(), settings: deps.settings });

    const ownedRuns = runs.filter((run) => run.metadata.labels?.[modelReleaseLabel] === name);
    const newRatings = release.spec.retrain?.minNewRatings !== undefined ? await countNewRatings(release, decision.status.champion?.run, runs, log) : undefined;
    const retrain = decideRetrain({ release, ownedRuns, newRatings, now: now(), ...(deps.ratingsPollMs ? { ratingsPollMs: deps.ratingsPollMs } : {}) });
    if (retrain.nextRetrainTime) decision.status.nextRetrainTime = retrain.nextRetrainTime;
    // Before the status write that consumes the schedule slot: the name is deterministic, so a retry is harmless.
    if (retrain.create) {
      await objects.createNamespacedCustomObject({ group, version, namespace, plural: trainingRuns.plural, body: retrain.create }).then(
        () => log.info('retrain started', { run: retrain.create!.metadata.name }),
        (error: unknown) => {
          if (!isStatus(error, 409)) throw error;
          retrain.events.splice(0);
        },
      );
    }
    for (const old of retrain.deleteRuns) {
      await objects.deleteNamespacedCustomObject({ group, version, namespace, plural: trainingRuns.plural, name: old }).catch((error: unknown) => {
        if (!isStatus(error, 404)) throw error;
      });
    }

    if (decision.deployment) {
      await apply(decision.deployment);
      await apply(decision.service!);
      if (decision.autoscaler) await apply(decision.autoscaler);
      else await autoscaling.deleteNamespacedHorizontalPodAutoscaler({ namespace, name: servingNameFor(release) }).catch((error: unknown) => {
        if (!isStatus(error, 404)) throw error;
      });
    }

    if (!isDeepStrictEqual(release.status ?? {}, decision.status)) {
      try {
        await patchStatus(objects, modelReleases, release.metadata, decision.status);
      } catch (error) {
        if (!isStatus(error, 409)) throw error;
        return { requeueAfterMs: 20 };
      }
    }
    // Only after the status write won: a decision from a stale cache is neither told nor recorded.
    if (decision.promotion) {
      log.info('promoted', { run: decision.promotion.run, previous: decision.promotion.previousRun, reason: decision.promotion.reason });
      deps.metrics.promotions.inc({ namespace, release: name, model: release.spec.model });
      await deps.recordPromotion?.(decision.promotion).catch((error: unknown) => log.error('could not record the promotion', { error }));
    }
    if (decision.gateDecision) {
      if (decision.gateDecision.outcome === 'Rejected') log.info('rejected', { run: decision.gateDecision.run, reason: decision.gateDecision.reason });
      await deps.recordGateDecision?.(decision.gateDecision).catch((error: unknown) => log.error('could not record the gate decision', { error }));
    }
    for (const event of [...decision.events, ...retrain.events]) await deps.events.record(release, event);
    const metrics = decision.status.champion?.metrics;
    if (metrics) {
      for (const [metric, value] of Object.entries(metrics)) deps.metrics.championMetric.set({ namespace, release: name, model: release.spec.model, metric }, value);
    }
    return retrain.requeueAfterMs !== undefined ? { requeueAfterMs: retrain.requeueAfterMs } : undefined;
  };

  async function countNewRatings(release: ModelRelease, champion: string | undefined, runs: readonly TrainingRun[], log: Logger): Promise<number | undefined> {
    if (!deps.newRatingsSince) return undefined;
    const mark = runs.find((run) => run.metadata.name === champion)?.status?.dataset?.maxRatingId ?? 0;
    try {
      return await deps.newRatingsSince(mark);
    } catch (error) {
      log.warn('could not count new ratings; retrain by ratings waits', { error, release: release.metadata.name });
      return undefined;
    }
  }
}
