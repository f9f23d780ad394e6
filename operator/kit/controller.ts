/**
 * Workers that take keys from a WorkQueue and reconcile them: an error requeues the key with
 * backoff, a requested delay requeues it after that delay, success forgets its failures.
 */
import type { Logger } from '../../common/log.ts';
import { apiMessage } from './api-errors.ts';
import type { OperatorMetrics } from './metrics.ts';
import { WorkQueue } from './work-queue.ts';

export interface ReconcileOutcome {
  /** Reconcile again after this many milliseconds (polling, e.g. a retrain schedule). */
  requeueAfterMs?: number;
}

export type Reconciler = (key: string) => Promise<ReconcileOutcome | undefined>;

export interface ControllerOptions {
  name: string;
  reconcile: Reconciler;
  metrics: OperatorMetrics;
  log: Logger;
  workers?: number;
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  readonly #options: Required<ControllerOptions>;
  #running: Promise<void>[] = [];

  constructor(options: ControllerOptions) {
    this.#options = { workers: 2, ...options };
    this.name = options.name;
    this.queue = new WorkQueue(
      { baseDelayMs: 5, maxDelayMs: 300_000 },
      options.metrics.queue(options.name, () => this.queue.inFlightSeconds()),
    );
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  start(): void {
    const { workers, metrics, name } = this.#options;
    metrics.maxConcurrentReconciles.set({ controller: name }, workers);
    // Zero from the start, as controller-runtime does: "no errors" is a 0 on the dashboard, not "no data".
    metrics.reconcileErrors.inc({ controller: name }, 0);
    for (let i = 0; i < workers; i++) this.#running.push(this.#work());
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.#running);
    this.#running = [];
  }

  async #work(): Promise<void> {
    const { reconcile, metrics, log, name } = this.#options;
    const labels = { controller: name };
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      metrics.activeWorkers.inc(labels);
      const stopTimer = metrics.reconcileTime.startTimer(labels);
      try {
        const outcome = await reconcile(key);
        this.queue.forget(key);
        if (outcome?.requeueAfterMs !== undefined) {
          this.queue.addAfter(key, outcome.requeueAfterMs);
          metrics.reconcileTotal.inc({ ...labels, result: 'requeue_after' });
        } else {
          metrics.reconcileTotal.inc({ ...labels, result: 'success' });
        }
      } catch (error) {
        const delayMs = this.queue.addRateLimited(key);
        metrics.reconcileTotal.inc({ ...labels, result: 'error' });
        metrics.reconcileErrors.inc(labels);
        log.warn('reconcile failed; requeued', {
          key,
          error: apiMessage(error),
          delayMs,
          failures: this.queue.failures(key),
        });
      } finally {
        stopTimer();
        metrics.activeWorkers.dec(labels);
        this.queue.done(key);
      }
    }
  }
}
