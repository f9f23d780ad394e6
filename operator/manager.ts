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
import { describeScope, ScopedInformer, watchScopeOf, type WatchScope } from './kit/watch-scope.ts';
import { startProbeServer, type ProbeServer } from './kit/probe-server.ts';
import type { GateDecisionRecord, PromotionRecord } from './modelrelease/decide.ts';
import { modelReleaseReconciler } from './modelrelease/reconcile.ts';
import { ArtifactFinalizer, type ArtifactFinalizerDeps } from './trainingrun/artifact-finalizer.ts';
import { trainingRunReconciler } from './trainingrun/reconcile.ts';
import type { TrainerResult } from './trainingrun/termination-message.ts';

export interface OperatorConfig {
  kc: k8s.KubeConfig;
  log: Logger;
  /** Watch one namespace (the same as namespaces: [namespace]). */
  namespace?: string;
  /** Watch these namespaces; with neither these nor namespaceSelector, all namespaces. */
  namespaces?: readonly string[];
  /** Watch the namespaces whose labels match this selector (needs cluster-wide rights). */
  namespaceSelector?: string;
  trainerImage: string;
  /** Image of inference Deployments whose release names none. */
  inferenceImage?: string;
  /** Records a promotion (the promotions table of the release's backend: tenants/tenant-records.ts). */
  recordPromotion?: (promotion: PromotionRecord, release: ModelRelease) => Promise<void>;
  /** Records each judgement of the release gates (the gate_decisions table of the release's backend). */
  recordGateDecision?: (decision: GateDecisionRecord, release: ModelRelease) => Promise<void>;
  /** Reads the trainer's run record by run id (the run's backend), the fallback for a lost termination message. */
  readRunRecord?: (runId: string, run: TrainingRun) => Promise<TrainerResult | undefined>;
  /** Ratings that arrived after a rating id, for spec.retrain.minNewRatings (the release's backend). */
  newRatingsSince?: (maxRatingId: number, release: ModelRelease) => Promise<number>;
  /**
   * The object stores of backend Secrets (tenants/tenant-backends.ts): with it, a finalizer on every
   * TrainingRun deletes its artifacts when it is deleted or pruned, except those a release still needs.
   */
  artifactStores?: ArtifactFinalizerDeps['stores'];
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
  readonly #scope: WatchScope;
  #elector: LeaderElector | undefined;
  #informers: { stop(): Promise<void> }[] = [];
  #controllers: Controller[] = [];
  #probe: ProbeServer | undefined;
  #synced = false;
  #stopping = false;

  constructor(config: OperatorConfig) {
    this.#config = { ...config, kc: withSharedConnections(config.kc) };
    this.#log = config.log;
    this.#scope = watchScopeOf({
      namespaces: [...(config.namespace ? [config.namespace] : []), ...(config.namespaces ?? [])],
      ...(config.namespaceSelector ? { namespaceSelector: config.namespaceSelector } : {}),
    });
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
    const { kc, trainerImage, workers, resyncMs } = this.#config;
    const inferenceImage = this.#config.inferenceImage ?? trainerImage;
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const log = this.#log;
    const objects = kc.makeApiClient(k8s.CustomObjectsApi);
    const batch = kc.makeApiClient(k8s.BatchV1Api);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const events = new EventRecorder(kc, log);
    const managed = `${managedByLabel}=${managedByValue}`;
    const scope = this.#scope;
    const common = { kc, log, metrics: this.metrics, ...(resyncMs ? { resyncMs } : {}) };

    // With a namespace selector: the namespaces whose labels match, watched; a namespace that comes
    // to match has its runs and releases looked at.
    const selected =
      scope.kind === 'selector'
        ? new ResilientInformer<k8s.V1Namespace>({
            ...common,
            path: '/api/v1/namespaces',
            labelSelector: scope.labelSelector,
            list: () => core.listNamespace({ labelSelector: scope.labelSelector }),
            onObject: (namespace) => {
              const name = namespace.metadata?.name;
              for (const run of runs.list(name)) trainingRunController.enqueue(keyOf(run));
              for (const release of releases.list(name)) modelReleaseController.enqueue(keyOf(release));
            },
            resource: 'namespaces',
          })
        : undefined;
    const admits = (namespace: string | undefined) => !selected || selected.get(namespace ?? '') !== undefined;
    /** The informers of one resource over the scope; a selector's foreign namespaces are not announced. */
    const watch = <T extends k8s.KubernetesObject>(options: {
      resource: string;
      /** The watch path under a namespace segment ('' or /namespaces/NS). */
      path: (namespaceSegment: string) => string;
      list: (namespace: string | undefined) => Promise<k8s.KubernetesListObject<T>>;
      labelSelector?: string;
      onObject: (object: T) => void;
    }) =>
      new ScopedInformer<T>(
        scope,
        (namespace) =>
          new ResilientInformer<T>({
            ...common,
            path: options.path(namespace ? `/namespaces/${namespace}` : ''),
            list: () => options.list(namespace),
            ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
            onObject: (object) => {
              if (admits(object.metadata?.namespace)) options.onObject(object);
            },
            resource: options.resource,
          }),
        (namespace) => admits(namespace),
      );
    const listCustom = <T extends k8s.KubernetesObject>(plural: string, namespace: string | undefined) =>
      (namespace
        ? objects.listNamespacedCustomObject({ group, version, namespace, plural })
        : objects.listClusterCustomObject({ group, version, plural })) as Promise<k8s.KubernetesListObject<T>>;

    const trainingRunController = new Controller({
      name: 'trainingrun',
      reconcile: async (key) => reconcileTrainingRun(key),
      metrics: this.metrics,
      log,
      workers: workers ?? 4,
    });
    const runs = watch<TrainingRun & k8s.KubernetesObject>({
      resource: trainingRuns.plural,
      path: (ns) => `/apis/${group}/${version}${ns}/${trainingRuns.plural}`,
      list: (namespace) => listCustom(trainingRuns.plural, namespace),
      onObject: (run) => {
        trainingRunController.enqueue(keyOf(run));
        // A run's result may change who is champion in every release of its model.
        for (const release of releases.list(run.metadata?.namespace)) {
          if (release.spec?.model === run.spec?.model) modelReleaseController.enqueue(keyOf(release));
        }
      },
    });
    const jobs = watch<k8s.V1Job>({
      resource: 'jobs',
      path: (ns) => `/apis/batch/v1${ns}/jobs`,
      labelSelector: managed,
      list: (namespace) =>
        namespace
          ? batch.listNamespacedJob({ namespace, labelSelector: managed })
          : batch.listJobForAllNamespaces({ labelSelector: managed }),
      onObject: (job) => {
        const owner = controllerOf(job.metadata);
        if (owner?.kind === trainingRuns.kind)
          trainingRunController.enqueue(`${job.metadata?.namespace}/${owner.name}`);
      },
    });
    const modelReleaseController = new Controller({
      name: 'modelrelease',
      reconcile: async (key) => reconcileModelRelease(key),
      metrics: this.metrics,
      log,
      workers: workers ?? 4,
    });
    const releases = watch<ModelRelease & k8s.KubernetesObject>({
      resource: modelReleases.plural,
      path: (ns) => `/apis/${group}/${version}${ns}/${modelReleases.plural}`,
      list: (namespace) => listCustom(modelReleases.plural, namespace),
      onObject: (release) => modelReleaseController.enqueue(keyOf(release)),
    });
    const deployments = watch<k8s.V1Deployment>({
      resource: 'deployments',
      path: (ns) => `/apis/apps/v1${ns}/deployments`,
      labelSelector: managed,
      list: (namespace) =>
        namespace
          ? apps.listNamespacedDeployment({ namespace, labelSelector: managed })
          : apps.listDeploymentForAllNamespaces({ labelSelector: managed }),
      onObject: (deployment) => {
        const owner = controllerOf(deployment.metadata);
        if (owner?.kind === modelReleases.kind)
          modelReleaseController.enqueue(`${deployment.metadata?.namespace}/${owner.name}`);
      },
    });
    const pods = watch<k8s.V1Pod>({
      resource: 'pods',
      path: (ns) => `/api/v1${ns}/pods`,
      labelSelector: managed,
      list: (namespace) =>
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
      ...(this.#config.artifactStores
        ? {
            artifacts: new ArtifactFinalizer({
              kc,
              stores: this.#config.artifactStores,
              releases,
              events,
              log: log.child({ controller: 'trainingrun' }),
            }),
          }
        : {}),
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

    this.#informers = [selected, runs, jobs, releases, deployments, pods].filter(
      (informer) => informer !== undefined,
    ) as { stop(): Promise<void> }[];
    this.#controllers = [trainingRunController, modelReleaseController];
    // Children first, so that a first reconcile already sees what a previous leader made.
    await selected?.start();
    await Promise.all([jobs.start(), deployments.start(), pods.start()]);
    await Promise.all([runs.start(), releases.start()]);
    if (this.#stopping) return;
    this.#synced = true;
    for (const controller of this.#controllers) controller.start();
    log.info('operator started', { namespaces: describeScope(scope), trainerImage });
  }
}
