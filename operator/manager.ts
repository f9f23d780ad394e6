/**
 * Wires the operator together: leader election first, then informers, controllers and workers;
 * stop() undoes it in reverse. One Operator per process; tests run several to play replicas.
 */
import { runSamples } from './trainingrun/run-metrics.ts';
import { hostname } from 'node:os';
import * as k8s from '@kubernetes/client-node';
import type { Logger } from '../common/log.ts';
import {
  group,
  managedByLabel,
  managedByValue,
  modelReleaseLabel,
  modelReleases,
  trainingRunLabel,
  trainingRuns,
  version,
  type ModelRelease,
  type TrainingRun,
} from './api/resources.ts';
import { findCondition } from './kit/conditions.ts';
import { Controller } from './kit/controller.ts';
import { EventRecorder } from './kit/events.ts';
import { ResilientInformer, keyOf } from './kit/informer.ts';
import { LeaderElector } from './kit/leader-election.ts';
import { OperatorMetrics } from './kit/metrics.ts';
import { controllerOf } from './kit/owner.ts';
import { withSharedConnections } from './kit/shared-connections.ts';
import { startProbeServer, type ProbeServer } from './kit/probe-server.ts';
import type { GateDecisionRecord, PromotionRecord } from './modelrelease/decide.ts';
import { modelReleaseReconciler } from './modelrelease/reconcile.ts';
import { trainingRunReconciler } from './trainingrun/reconcile.ts';
import type { TrainerResult } from './trainingrun/termination-message.ts';

export interface OperatorConfig {
  kc: k8s.KubeConfig;
  log: Logger;
  /** Watch one namespace; all namespaces when unset. */
  namespace?: string;
  trainerImage: string;
  /** Image of inference Deployments whose release names none. */
  inferenceImage?: string;
  recordPromotion?: (promotion: PromotionRecord) => Promise<void>;
  /** Records each judgement of the release gates (the database's gate_decisions). */
  recordGateDecision?: (decision: GateDecisionRecord) => Promise<void>;
  /** Reads the trainer's run record by run id (the database), the fallback for a lost termination message. */
  readRunRecord?: (runId: string) => Promise<TrainerResult | undefined>;
  /** Ratings that arrived after a rating id, for spec.retrain.minNewRatings (the database). */
  newRatingsSince?: (maxRatingId: number) => Promise<number>;
  /** How often a release with minNewRatings counts new ratings (default one minute). */
  ratingsPollMs?: number;
  /** Reads an inference pod's /metrics for a rollout's judgement; default: HTTP to the pod's IP. */
  scrapeMetrics?: (pod: k8s.V1Pod) => Promise<string>;
  /** Port of /metrics, /healthz, /readyz; 0 picks a free one; undefined starts no server. */
  probePort?: number;
  probeHost?: string;
  leaderElection?: {
    namespace: string;
    name?: string;
    identity?: string;
    leaseDurationSeconds?: number;
    retryPeriodMs?: number;
    renewDeadlineMs?: number;
  };
  workers?: number;
  resyncMs?: number;
  /** Called when leadership is lost; the process should exit (default) so it restarts as a candidate. */
  onLeadershipLost?: () => void;
  metrics?: OperatorMetrics;
}

export class Operator {
  readonly metrics: OperatorMetrics;
  readonly #config: OperatorConfig;
  readonly #log: Logger;
  #elector: LeaderElector | undefined;
  #informers: ResilientInformer<k8s.KubernetesObject>[] = [];
  #controllers: Controller[] = [];
  #probe: ProbeServer | undefined;
  #synced = false;
  #stopping = false;

  constructor(config: OperatorConfig) {
    this.#config = { ...config, kc: withSharedConnections(config.kc) };
    this.#log = config.log;
    this.metrics = config.metrics ?? new OperatorMetrics();
  }

  get probePort(): number | undefined {
    return this.#probe?.port;
  }

  get leading(): boolean {
    return this.#elector ? this.#elector.leading : this.#synced;
  }

  /** Resolves once this replica leads and its caches are synced (or stop() was called while waiting). */
  async start(): Promise<void> {
    const config = this.#config;
    if (config.probePort !== undefined)
      this.#probe = await startProbeServer(config.probePort, this.metrics, () => this.#ready(), config.probeHost);
    if (config.leaderElection) {
      const {
        namespace,
        name = 'movie-reco-operator',
        identity = `${hostname()}-${process.pid}`,
        ...timing
      } = config.leaderElection;
      this.#elector = new LeaderElector({ kc: config.kc, namespace, name, identity, log: this.#log, ...timing });
      this.metrics.leaderStatus.set({ name }, 0);
      const lost = () => {
        this.metrics.leaderStatus.set({ name }, 0);
        (config.onLeadershipLost ?? (() => process.exit(1)))();
      };
      if (!(await this.#elector.acquire(lost))) return;
      this.metrics.leaderStatus.set({ name }, 1);
    }
    if (this.#stopping) return;
    await this.#startControllers();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#controllers.map((c) => c.stop()));
    await Promise.all(this.#informers.map((i) => i.stop()));
    await this.#elector?.release();
    await this.#probe?.close();
    this.#log.info('operator stopped');
  }

  #ready(): boolean {
    // A standby replica is ready too: it is healthy and waiting for the lease.
    return this.#elector !== undefined ? this.#synced || !this.#elector.leading : this.#synced;
  }

  async #startControllers(): Promise<void> {
    const { kc, namespace, trainerImage, workers, resyncMs } = this.#config;
    const inferenceImage = this.#config.inferenceImage ?? trainerImage;
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const log = this.#log;
    const objects = kc.makeApiClient(k8s.CustomObjectsApi);
    const batch = kc.makeApiClient(k8s.BatchV1Api);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const events = new EventRecorder(kc, log);
    const ns = namespace ? `/namespaces/${namespace}` : '';
    const managed = `${managedByLabel}=${managedByValue}`;

    const trainingRunController = new Controller({
      name: 'trainingrun',
      reconcile: async (key) => reconcileTrainingRun(key),
      metrics: this.metrics,
      log,
      workers: workers ?? 4,
    });
    const runs = new ResilientInformer<TrainingRun & k8s.KubernetesObject>({
      kc,
      path: `/apis/${group}/${version}${ns}/${trainingRuns.plural}`,
      list: () =>
        (namespace
          ? objects.listNamespacedCustomObject({ group, version, namespace, plural: trainingRuns.plural })
          : objects.listClusterCustomObject({ group, version, plural: trainingRuns.plural })) as Promise<
          k8s.KubernetesListObject<TrainingRun & k8s.KubernetesObject>
        >,
      onObject: (run) => {
        trainingRunController.enqueue(keyOf(run));
        // A run's result may change who is champion in every release of its model.
        for (const release of releases.list(run.metadata?.namespace)) {
          if (release.spec?.model === run.spec?.model) modelReleaseController.enqueue(keyOf(release));
        }
      },
      resource: trainingRuns.plural,
      log,
      metrics: this.metrics,
      ...(resyncMs ? { resyncMs } : {}),
    });
    const jobs = new ResilientInformer<k8s.V1Job>({
      kc,
      path: `/apis/batch/v1${ns}/jobs`,
      labelSelector: managed,
      list: () =>
        namespace
          ? batch.listNamespacedJob({ namespace, labelSelector: managed })
          : batch.listJobForAllNamespaces({ labelSelector: managed }),
      onObject: (job) => {
        const owner = controllerOf(job.metadata);
        if (owner?.kind === trainingRuns.kind)
          trainingRunController.enqueue(`${job.metadata?.namespace}/${owner.name}`);
      },
      resource: 'jobs',
      log,
      metrics: this.metrics,
      ...(resyncMs ? { resyncMs } : {}),
    });
    const modelReleaseController = new Controller({
      name: 'modelrelease',
      reconcile: async (key) => reconcileModelRelease(key),
      metrics: this.metrics,
      log,
      workers: workers ?? 4,
    });
    const releases = new ResilientInformer<ModelRelease & k8s.KubernetesObject>({
      kc,
      path: `/apis/${group}/${version}${ns}/${modelReleases.plural}`,
      list: () =>
        (namespace
          ? objects.listNamespacedCustomObject({ group, version, namespace, plural: modelReleases.plural })
          : objects.listClusterCustomObject({ group, version, plural: modelReleases.plural })) as Promise<
          k8s.KubernetesListObject<ModelRelease & k8s.KubernetesObject>
        >,
      onObject: (release) => modelReleaseController.enqueue(keyOf(release)),
      resource: modelReleases.plural,
      log,
      metrics: this.metrics,
      ...(resyncMs ? { resyncMs } : {}),
    });
    const deployments = new ResilientInformer<k8s.V1Deployment>({
      kc,
      path: `/apis/apps/v1${ns}/deployments`,
      labelSelector: managed,
      list: () =>
        namespace
          ? apps.listNamespacedDeployment({ namespace, labelSelector: managed })
          : apps.listDeploymentForAllNamespaces({ labelSelector: managed }),
      onObject: (deployment) => {
        const owner = controllerOf(deployment.metadata);
        if (owner?.kind === modelReleases.kind)
          modelReleaseController.enqueue(`${deployment.metadata?.namespace}/${owner.name}`);
      },
      resource: 'deployments',
      log,
      metrics: this.metrics,
      ...(resyncMs ? { resyncMs } : {}),
    });
    const pods = new ResilientInformer<k8s.V1Pod>({
      kc,
      path: `/api/v1${ns}/pods`,
      labelSelector: managed,
      list: () =>
        namespace
          ? core.listNamespacedPod({ namespace, labelSelector: managed })
          : core.listPodForAllNamespaces({ labelSelector: managed }),
      // A pod that cannot start is told in its TrainingRun's or ModelRelease's conditions.
      onObject: (pod) => {
        const labels = pod.metadata?.labels ?? {};
        const run = labels[trainingRunLabel];
        const release = labels[modelReleaseLabel];
        if (run) trainingRunController.enqueue(`${pod.metadata?.namespace}/${run}`);
        if (release) modelReleaseController.enqueue(`${pod.metadata?.namespace}/${release}`);
      },
      resource: 'pods',
      log,
      metrics: this.metrics,
      ...(resyncMs ? { resyncMs } : {}),
    });
    const reconcileModelRelease = modelReleaseReconciler({
      kc,
      releases,
      runs,
      deployments,
      pods,
      settings: { image: inferenceImage },
      events,
      metrics: this.metrics,
      log: log.child({ controller: 'modelrelease' }),
      ...(this.#config.recordPromotion ? { recordPromotion: this.#config.recordPromotion } : {}),
      ...(this.#config.recordGateDecision ? { recordGateDecision: this.#config.recordGateDecision } : {}),
      ...(this.#config.newRatingsSince ? { newRatingsSince: this.#config.newRatingsSince } : {}),
      ...(this.#config.ratingsPollMs ? { ratingsPollMs: this.#config.ratingsPollMs } : {}),
      ...(this.#config.scrapeMetrics ? { scrapeMetrics: this.#config.scrapeMetrics } : {}),
    });
    const reconcileTrainingRun = trainingRunReconciler({
      kc,
      runs,
      jobs,
      pods,
      metrics: this.metrics,
      settings: { image: trainerImage },
      events,
      log: log.child({ controller: 'trainingrun' }),
      ...(this.#config.readRunRecord ? { readRunRecord: this.#config.readRunRecord } : {}),
    });

    this.metrics.beforeScrape(() => {
      this.metrics.trainingRuns.reset();
      for (const run of runs.list()) {
        const labels = { namespace: run.metadata?.namespace ?? '', model: run.spec?.model ?? '' };
        this.metrics.trainingRuns.inc({ ...labels, phase: run.status?.phase ?? 'Pending' });
        // Present at 0 before the first run finishes, so that increase() counts that one too.
        for (const phase of ['Succeeded', 'Failed']) this.metrics.trainingRunsFinished.inc({ ...labels, phase }, 0);
      }
      this.metrics.trainingRunMetric.reset();
      this.metrics.trainingRunDuration.reset();
      this.metrics.championPromoted.reset();
      this.metrics.releaseReady.reset();
      for (const release of releases.list()) {
        const promotedAt = Date.parse(release.status?.champion?.promotedAt ?? '');
        if (!Number.isFinite(promotedAt)) continue;
        const labels = {
          namespace: release.metadata?.namespace ?? '',
          release: release.metadata?.name ?? '',
          model: release.spec?.model ?? '',
        };
        this.metrics.championPromoted.set(labels, promotedAt / 1000);
        const ready = findCondition(release.status?.conditions, 'Ready')?.status === 'True';
        this.metrics.releaseReady.set(labels, ready ? 1 : 0);
      }
      for (const { labels, metrics, durationSeconds } of runSamples(runs.list() as TrainingRun[])) {
        for (const [metric, value] of Object.entries(metrics))
          this.metrics.trainingRunMetric.set({ ...labels, metric }, value);
        if (durationSeconds !== undefined) this.metrics.trainingRunDuration.set(labels, durationSeconds);
      }
    });

    this.#informers = [runs, jobs, releases, deployments, pods] as ResilientInformer<k8s.KubernetesObject>[];
    this.#controllers = [trainingRunController, modelReleaseController];
    // Children first, so that a first reconcile already sees what a previous leader made.
    await Promise.all([jobs.start(), deployments.start(), pods.start()]);
    await Promise.all([runs.start(), releases.start()]);
    if (this.#stopping) return;
    this.#synced = true;
    for (const controller of this.#controllers) controller.start();
    log.info('operator started', { namespace: namespace ?? '(all)', trainerImage });
  }
}
