/**
 * The operator's Prometheus metrics. Names mirror controller-runtime's and client-go's so that
 * stock controller dashboards work; the label `controller` is trainingrun or modelrelease.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { QueueMetrics } from './work-queue.ts';

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconcileTotal = new Counter({
    name: 'controller_runtime_reconcile_total',
    help: 'Reconciliations per controller and result',
    labelNames: ['controller', 'result'],
    registers: [this.registry],
  });
  readonly reconcileErrors = new Counter({
    name: 'controller_runtime_reconcile_errors_total',
    help: 'Reconciliations that returned an error',
    labelNames: ['controller'],
    registers: [this.registry],
  });
  readonly reconcileTime = new Histogram({
    name: 'controller_runtime_reconcile_time_seconds',
    help: 'Time per reconciliation',
    labelNames: ['controller'],
    buckets: [
      0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 1.75,
      2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
    ],
    registers: [this.registry],
  });
  readonly maxConcurrentReconciles = new Gauge({
    name: 'controller_runtime_max_concurrent_reconciles',
    help: 'Workers per controller',
    labelNames: ['controller'],
    registers: [this.registry],
  });
  readonly activeWorkers = new Gauge({
    name: 'controller_runtime_active_workers',
    help: 'Workers reconciling right now',
    labelNames: ['controller'],
    registers: [this.registry],
  });

  readonly #queueDepth = new Gauge({
    name: 'workqueue_depth',
    help: 'Keys waiting in the queue',
    labelNames: ['name', 'controller'],
    registers: [this.registry],
  });
  readonly #queueAdds = new Counter({
    name: 'workqueue_adds_total',
    help: 'Adds to the queue',
    labelNames: ['name', 'controller'],
    registers: [this.registry],
  });
  readonly #queueLatency = new Histogram({
    name: 'workqueue_queue_duration_seconds',
    help: 'Time a key waits before a worker takes it',
    labelNames: ['name', 'controller'],
    buckets: exponentialBuckets(1e-8, 10, 11),
    registers: [this.registry],
  });
  readonly #workDuration = new Histogram({
    name: 'workqueue_work_duration_seconds',
    help: 'Time a worker spends on a key',
    labelNames: ['name', 'controller'],
    buckets: exponentialBuckets(1e-8, 10, 11),
    registers: [this.registry],
  });
  readonly #retries = new Counter({
    name: 'workqueue_retries_total',
    help: 'Keys requeued after a failure',
    labelNames: ['name', 'controller'],
    registers: [this.registry],
  });
  readonly #unfinished = new Gauge({
    name: 'workqueue_unfinished_work_seconds',
    help: 'Seconds of work in progress not yet observed by work_duration',
    labelNames: ['name', 'controller'],
    registers: [this.registry],
  });
  readonly #longestRunning = new Gauge({
    name: 'workqueue_longest_running_processor_seconds',
    help: 'Seconds the longest running worker has been at its key',
    labelNames: ['name', 'controller'],
    registers: [this.registry],
  });

  readonly leaderStatus = new Gauge({
    name: 'leader_election_master_status',
    help: '1 while this replica holds the lease',
    labelNames: ['name'],
    registers: [this.registry],
  });
  readonly restClientRequests = new Counter({
    name: 'rest_client_requests_total',
    help: 'Requests to the API server by status code and method',
    labelNames: ['code', 'method', 'host'],
    registers: [this.registry],
  });
  readonly informerRestarts = new Counter({
    name: 'movie_reco_operator_informer_restarts_total',
    help: 'Informers restarted after a watch error',
    labelNames: ['resource'],
    registers: [this.registry],
  });

  readonly trainingRuns = new Gauge({
    name: 'movie_reco_training_runs',
    help: 'TrainingRuns by model and phase',
    labelNames: ['model', 'phase'],
    registers: [this.registry],
  });
  readonly promotions = new Counter({
    name: 'movie_reco_promotions_total',
    help: 'Champion changes per release',
    labelNames: ['namespace', 'release', 'model'],
    registers: [this.registry],
  });
  readonly trainingRunMetric = new Gauge({
    name: 'movie_reco_training_run_metric',
    help: 'Evaluation metrics of each succeeded TrainingRun still in the cluster',
    labelNames: ['namespace', 'run', 'model', 'metric'],
    registers: [this.registry],
  });
  readonly trainingRunDuration = new Gauge({
    name: 'movie_reco_training_run_duration_seconds',
    help: 'Wall time of each finished TrainingRun still in the cluster, Job start to completion',
    labelNames: ['namespace', 'run', 'model'],
    registers: [this.registry],
  });
  readonly championPromoted = new Gauge({
    name: 'movie_reco_champion_promoted_timestamp_seconds',
    help: "When each release's current champion was promoted (Unix seconds)",
    labelNames: ['namespace', 'release', 'model'],
    registers: [this.registry],
  });
  readonly championMetric = new Gauge({
    name: 'movie_reco_champion_metric',
    help: "The serving champion's evaluation metrics",
    labelNames: ['namespace', 'release', 'model', 'metric'],
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  queue(controller: string, inFlight: () => number[]): QueueMetrics {
    const labels = { name: controller, controller };
    // Gauges of work in progress are computed when scraped, not on every event.
    const unfinished = this.#unfinished;
    const longest = this.#longestRunning;
    const update = () => {
      const seconds = inFlight();
      unfinished.set(
        labels,
        seconds.reduce((a, b) => a + b, 0),
      );
      longest.set(labels, seconds.length ? Math.max(...seconds) : 0);
    };
    this.#collectors.push(update);
    this.#queueDepth.set(labels, 0);
    return {
      add: () => this.#queueAdds.inc(labels),
      depth: (value) => this.#queueDepth.set(labels, value),
      queued: (seconds) => this.#queueLatency.observe(labels, seconds),
      worked: (seconds) => this.#workDuration.observe(labels, seconds),
      retry: () => this.#retries.inc(labels),
    };
  }

  readonly #collectors: (() => void)[] = [];

  /** Registers a function run before each scrape, e.g. to count runs by phase from the informer cache. */
  beforeScrape(collect: () => void): void {
    this.#collectors.push(collect);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    for (const collect of this.#collectors) collect();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

function exponentialBuckets(start: number, factor: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start * factor ** i);
}
