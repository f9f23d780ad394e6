/** The thin shell around decideModelRelease: read, apply the serving objects, write status, tell. */
import { isDeepStrictEqual } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import type { Logger } from '../../common/log.ts';
import {
  group,
  modelReleaseLabel,
  modelReleases,
  trainingRuns,
  version,
  type ModelRelease,
  type TrainingRun,
} from '../api/resources.ts';
import { isStatus } from '../kit/api-errors.ts';
import { makeApplier } from '../kit/apply.ts';
import type { Reconciler } from '../kit/controller.ts';
import type { EventRecorder } from '../kit/events.ts';
import { splitKey } from '../kit/informer.ts';
import type { OperatorMetrics } from '../kit/metrics.ts';
import { patchStatus } from '../kit/status-writer.ts';
import { decideModelRelease, recordsOfStatus, type GateDecisionRecord, type PromotionRecord } from './decide.ts';
import { decideRetrain, ratingsMark } from './retrain.ts';
import { JUDGING_REQUEUE_MS, observationOf, podsOfStep } from './rollout.ts';
import { INFERENCE_PORT, servingNameFor, type ServingSettings } from './serving.ts';

export interface ListCache<T> {
  get(name: string, namespace?: string): T | undefined;
  list(namespace?: string): readonly T[];
}

export interface ModelReleaseReconcilerDeps {
  kc: k8s.KubeConfig;
  releases: ListCache<ModelRelease>;
  runs: ListCache<TrainingRun>;
  deployments: ListCache<k8s.V1Deployment>;
  /** The operator's pods; the release's own are picked by its label. */
  pods?: ListCache<k8s.V1Pod>;
  settings: ServingSettings;
  events: EventRecorder;
  metrics: OperatorMetrics;
  log: Logger;
  /**
   * Ratings that arrived in the release's backend after a rating id (the champion's snapshot);
   * without it minNewRatings never fires.
   */
  newRatingsSince?: (maxRatingId: number, release: ModelRelease) => Promise<number>;
  /** Records a promotion outside the cluster (the MySQL promotions table of the release's backend); optional. */
  recordPromotion?: (promotion: PromotionRecord, release: ModelRelease) => Promise<void>;
  /**
   * Records a judgement of the gates, promotion or rejection, outside the cluster (the MySQL
   * gate_decisions table); optional.
   */
  recordGateDecision?: (decision: GateDecisionRecord, release: ModelRelease) => Promise<void>;
  /** An inference pod's /metrics text, for a rollout's judgement; default: HTTP to the pod's IP. */
  scrapeMetrics?: (pod: k8s.V1Pod) => Promise<string>;
  /** How often minNewRatings is checked (default one minute). */
  ratingsPollMs?: number;
  now?: () => Date;
}

const recordRetryMs = 30_000;

export function modelReleaseReconciler(deps: ModelReleaseReconcilerDeps): Reconciler {
  const apply = makeApplier(deps.kc);
  const objects = deps.kc.makeApiClient(k8s.CustomObjectsApi);
  const autoscaling = deps.kc.makeApiClient(k8s.AutoscalingV2Api);
  const now = deps.now ?? (() => new Date());
  const scrape =
    deps.scrapeMetrics ??
    (async (pod: k8s.V1Pod) => {
      const res = await fetch(`http://${pod.status!.podIP}:${INFERENCE_PORT}/metrics`, {
        signal: AbortSignal.timeout(3000),
      });
      if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`);
      return res.text();
    });
  // What this process wrote or found written, so each record is written once a process, not each
  // reconcile. By run name: a run's id can appear in its status after the run was judged.
  const recorded = new Set<string>();
  const promotionKey = (p: PromotionRecord) => `promotion ${p.model} ${p.run} ${p.promotedAt}`;
  const gateDecisionKey = (d: GateDecisionRecord) => `decision ${d.model} ${d.run} ${d.outcome} ${d.decidedAt}`;

  return async (key) => {
    const { namespace, name } = splitKey(key);
    const release = deps.releases.get(name, namespace);
    if (!release || release.metadata.deletionTimestamp) return;
    const log = deps.log.child({ modelRelease: key });

    const deployment = deps.deployments.get(servingNameFor(release), namespace);
    const runs = deps.runs.list(namespace);
    let allRecorded = await recordWhatStatusTells(release, runs, log);
    const pods = (deps.pods?.list(namespace) ?? []).filter((pod) => pod.metadata?.labels?.[modelReleaseLabel] === name);
    const online = await observeRollout(release, pods, log);
    const decision = decideModelRelease({
      release,
      runs,
      deployment,
      pods,
      now: now(),
      settings: deps.settings,
      online,
    });

    const retrainOn = async (knownRuns: readonly TrainingRun[]) => {
      const modelRuns = knownRuns.filter((run) => run.spec.model === release.spec.model);
      const newRatings =
        release.spec.retrain?.minNewRatings !== undefined
          ? await countNewRatings(release, ratingsMark(decision.status.champion?.run, modelRuns), log)
          : undefined;
      return decideRetrain({
        release,
        ownedRuns: knownRuns.filter((run) => run.metadata.labels?.[modelReleaseLabel] === name),
        modelRuns,
        newRatings,
        now: now(),
        ...(deps.ratingsPollMs ? { ratingsPollMs: deps.ratingsPollMs } : {}),
      });
    };
    let retrain = await retrainOn(runs);
    if (retrain.create) {
      // The cache may lack a run created a moment ago (a chart creates a run and its release at once):
      // a run is started only if the API server's own list still calls for one.
      const listed = await objects.listNamespacedCustomObject({
        group,
        version,
        namespace,
        plural: trainingRuns.plural,
      });
      retrain = await retrainOn((listed as { items: TrainingRun[] }).items);
    }
    if (retrain.nextRetrainTime) decision.status.nextRetrainTime = retrain.nextRetrainTime;
    // Before the status write that consumes the schedule slot: the name is deterministic, so a retry is harmless.
    if (retrain.create) {
      await objects
        .createNamespacedCustomObject({ group, version, namespace, plural: trainingRuns.plural, body: retrain.create })
        .then(
          () => log.info('retrain started', { run: retrain.create!.metadata.name }),
          (error: unknown) => {
            if (!isStatus(error, 409)) throw error;
            retrain.events.splice(0);
          },
        );
    }
    for (const old of retrain.deleteRuns) {
      await objects
        .deleteNamespacedCustomObject({ group, version, namespace, plural: trainingRuns.plural, name: old })
        .catch((error: unknown) => {
          if (!isStatus(error, 404)) throw error;
        });
    }

    if (decision.deployment) {
      await apply(decision.deployment);
      await apply(decision.service!);
      if (decision.autoscaler) await apply(decision.autoscaler);
      else
        await autoscaling
          .deleteNamespacedHorizontalPodAutoscaler({ namespace, name: servingNameFor(release) })
          .catch((error: unknown) => {
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
      log.info('promoted', {
        run: decision.promotion.run,
        previous: decision.promotion.previousRun,
        reason: decision.promotion.reason,
      });
      deps.metrics.promotions.inc({ namespace, release: name, model: release.spec.model });
      allRecorded =
        (await recordOnce(
          promotionKey(decision.promotion),
          () => deps.recordPromotion?.(decision.promotion!, release),
          'promotion',
          log,
        )) && allRecorded;
    }
    if (decision.gateDecision) {
      if (decision.gateDecision.outcome === 'Rejected')
        log.info('rejected', { run: decision.gateDecision.run, reason: decision.gateDecision.reason });
      allRecorded =
        (await recordOnce(
          gateDecisionKey(decision.gateDecision),
          () => deps.recordGateDecision?.(decision.gateDecision!, release),
          'gate decision',
          log,
        )) && allRecorded;
    }
    for (const event of [...decision.events, ...retrain.events]) await deps.events.record(release, event);
    const metrics = decision.status.champion?.metrics;
    if (metrics) {
      for (const [metric, value] of Object.entries(metrics))
        deps.metrics.championMetric.set({ namespace, release: name, model: release.spec.model, metric }, value);
    }
    const requeueAfterMs = Math.min(
      retrain.requeueAfterMs ?? Infinity,
      allRecorded ? Infinity : recordRetryMs,
      decision.status.rollout?.phase === 'Judging' ? JUDGING_REQUEUE_MS : Infinity,
    );
    return requeueAfterMs < Infinity ? { requeueAfterMs } : undefined;
  };

  /**
   * The status is the truth and the tables its log: what the status tells that this process has
   * not recorded yet is recorded now (the tables keep a record once). That covers an operator
   * killed between its status write and its records, and a database that was down then.
   */
  async function recordWhatStatusTells(
    release: ModelRelease,
    runs: readonly TrainingRun[],
    log: Logger,
  ): Promise<boolean> {
    if (!deps.recordPromotion && !deps.recordGateDecision) return true;
    const { promotions, gateDecision } = recordsOfStatus(release, runs);
    let all = true;
    for (const promotion of promotions)
      all =
        (await recordOnce(
          promotionKey(promotion),
          () => deps.recordPromotion?.(promotion, release),
          'promotion',
          log,
        )) && all;
    if (gateDecision)
      all =
        (await recordOnce(
          gateDecisionKey(gateDecision),
          () => deps.recordGateDecision?.(gateDecision, release),
          'gate decision',
          log,
        )) && all;
    return all;
  }

  /** False when the record could not be written: the reconcile comes back for it. */
  async function recordOnce(
    key: string,
    record: () => Promise<void> | undefined,
    what: string,
    log: Logger,
  ): Promise<boolean> {
    if (recorded.has(key)) return true;
    try {
      await record();
      recorded.add(key);
      return true;
    } catch (error) {
      log.error(`could not record the ${what}; trying again in ${recordRetryMs / 1000} s`, { error });
      return false;
    }
  }

  /** The online figures of the pods serving a judging rollout's current step; undefined when none answers. */
  async function observeRollout(release: ModelRelease, pods: readonly k8s.V1Pod[], log: Logger) {
    const rollout = release.status?.rollout;
    if (rollout?.phase !== 'Judging') return undefined;
    const texts = await Promise.all(
      podsOfStep(pods, rollout).map((pod) =>
        scrape(pod).catch((error: unknown) => {
          log.warn("could not read an inference pod's metrics", { pod: pod.metadata?.name, error });
          return undefined;
        }),
      ),
    );
    return observationOf(texts.filter((text) => text !== undefined));
  }

  async function countNewRatings(release: ModelRelease, mark: number, log: Logger): Promise<number | undefined> {
    if (!deps.newRatingsSince) return undefined;
    try {
      return await deps.newRatingsSince(mark, release);
    } catch (error) {
      log.warn('could not count new ratings; retrain by ratings waits', { error, release: release.metadata.name });
      return undefined;
    }
  }
}
