/**
 * A de-duplicating work queue with per-key exponential backoff, after client-go's workqueue:
 * a key waiting in the queue is never queued twice, a key being processed is never handed to a
 * second worker, and a key added while it is processed comes back once that worker is done.
 */
export interface QueueMetrics {
  add(): void;
  depth(value: number): void;
  queued(seconds: number): void;
  worked(seconds: number): void;
  retry(): void;
  /** Seconds that keys currently being processed have been running, longest first. */
  processing?(seconds: number[]): void;
}

export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
}

const noMetrics: QueueMetrics = { add() {}, depth() {}, queued() {}, worked() {}, retry() {} };

export class WorkQueue {
  readonly #queue: string[] = [];
  readonly #dirty = new Set<string>();
  readonly #processing = new Map<string, number>();
  readonly #addedAt = new Map<string, number>();
  readonly #failures = new Map<string, number>();
  readonly #timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  readonly #waiters: ((key: string | undefined) => void)[] = [];
  readonly #backoff: BackoffOptions;
  readonly #metrics: QueueMetrics;
  #shutDown = false;

  constructor(backoff: BackoffOptions = { baseDelayMs: 5, maxDelayMs: 300_000 }, metrics: QueueMetrics = noMetrics) {
    this.#backoff = backoff;
    this.#metrics = metrics;
  }

  get length(): number {
    return this.#queue.length;
  }

  add(key: string): void {
    if (this.#shutDown || this.#dirty.has(key)) return;
    this.#metrics.add();
    this.#dirty.add(key);
    this.#addedAt.set(key, performance.now());
    if (this.#processing.has(key)) return;
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#startProcessing(key);
      waiter(key);
      return;
    }
    this.#queue.push(key);
    this.#metrics.depth(this.#queue.length);
  }

  /** Adds the key after a delay; of several pending delays for one key, the earliest wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.#shutDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + delayMs;
    const pending = this.#timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.#timers.set(key, { at, timer });
  }

  /** Requeues a key that failed, waiting base * 2^(failures-1), capped. */
  addRateLimited(key: string): number {
    const failures = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, failures);
    const delay = Math.min(this.#backoff.baseDelayMs * 2 ** (failures - 1), this.#backoff.maxDelayMs);
    this.#metrics.retry();
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears a key's failure count after it succeeded. */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** The next key, or undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    const key = this.#queue.shift();
    if (key !== undefined) {
      this.#metrics.depth(this.#queue.length);
      this.#startProcessing(key);
      return Promise.resolve(key);
    }
    if (this.#shutDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  done(key: string): void {
    const started = this.#processing.get(key);
    if (started !== undefined) this.#metrics.worked((performance.now() - started) / 1000);
    this.#processing.delete(key);
    if (this.#dirty.has(key) && !this.#shutDown) {
      const waiter = this.#waiters.shift();
      if (waiter) {
        this.#startProcessing(key);
        waiter(key);
      } else {
        this.#queue.push(key);
        this.#metrics.depth(this.#queue.length);
      }
    }
  }

  /** Seconds each in-flight key has been processed, for the unfinished-work metrics. */
  inFlightSeconds(): number[] {
    const now = performance.now();
    return [...this.#processing.values()].map((started) => (now - started) / 1000);
  }

  shutDown(): void {
    this.#shutDown = true;
    for (const { timer } of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    for (const waiter of this.#waiters.splice(0)) waiter(undefined);
  }

  #startProcessing(key: string): void {
    this.#dirty.delete(key);
    const added = this.#addedAt.get(key);
    if (added !== undefined) this.#metrics.queued((performance.now() - added) / 1000);
    this.#addedAt.delete(key);
    this.#processing.set(key, performance.now());
  }
}
