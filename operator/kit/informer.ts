/**
 * client-node's informer (list + watch + cache) with what it lacks: it stops for good on any error
 * other than 410 Gone, so this restarts it with exponential backoff; and it never resyncs, so this
 * re-announces every cached object periodically (the level-triggered safety net, like
 * controller-runtime's SyncPeriod). client-node 2.x already reconnects quiet or closed watches.
 */
import * as k8s from '@kubernetes/client-node';
import type { Logger } from '../../common/log.ts';
import { apiMessage } from './api-errors.ts';
import type { OperatorMetrics } from './metrics.ts';

export interface ResilientInformerOptions<T extends k8s.KubernetesObject> {
  kc: k8s.KubeConfig;
  /** Watch path, e.g. /apis/batch/v1/namespaces/ns/jobs or /apis/batch/v1/jobs. */
  path: string;
  list: () => Promise<k8s.KubernetesListObject<T>>;
  labelSelector?: string;
  /** Called for every add, update, delete and resync. */
  onObject: (object: T) => void;
  resource: string;
  log: Logger;
  metrics: OperatorMetrics;
  resyncMs?: number;
  minRestartDelayMs?: number;
  maxRestartDelayMs?: number;
}

export class ResilientInformer<T extends k8s.KubernetesObject> {
  readonly #informer: k8s.Informer<T> & k8s.ObjectCache<T>;
  readonly #options: ResilientInformerOptions<T>;
  #restartDelayMs: number;
  #restartTimer: NodeJS.Timeout | undefined;
  #resyncTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  #synced = false;
  #starting = false;
  #errorWhileStarting = false;

  constructor(options: ResilientInformerOptions<T>) {
    this.#options = options;
    this.#restartDelayMs = options.minRestartDelayMs ?? 1000;
    this.#informer = k8s.makeInformer(options.kc, options.path, options.list, options.labelSelector);
    for (const verb of [k8s.ADD, k8s.UPDATE, k8s.DELETE] as const)
      this.#informer.on(verb, (object) => options.onObject(object));
    this.#informer.on(k8s.ERROR, (error) => this.#onError(error));
  }

  get synced(): boolean {
    return this.#synced;
  }

  get(name: string, namespace?: string): T | undefined {
    return this.#informer.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.#informer.list(namespace);
  }

  /** Resolves once the first list has filled the cache. */
  async start(): Promise<void> {
    this.#stopped = false;
    const { minRestartDelayMs = 1000, maxRestartDelayMs = 30_000 } = this.#options;
    for (
      let delayMs = minRestartDelayMs;
      !(await this.#startOnce());
      delayMs = Math.min(delayMs * 2, maxRestartDelayMs)
    ) {
      if (this.#stopped) return;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
    this.#synced = true;
    const resyncMs = this.#options.resyncMs ?? 10 * 60_000;
    this.#resyncTimer = setInterval(() => this.resync(), resyncMs);
    this.#resyncTimer.unref();
  }

  /** client-node reports a failed list through the error callback and still resolves start(). */
  async #startOnce(): Promise<boolean> {
    this.#starting = true;
    this.#errorWhileStarting = false;
    try {
      await this.#informer.start();
      return !this.#errorWhileStarting;
    } catch (error) {
      this.#options.log.warn('informer failed to start', {
        resource: this.#options.resource,
        error: apiMessage(error),
      });
      return false;
    } finally {
      this.#starting = false;
    }
  }

  resync(): void {
    for (const object of this.#informer.list()) this.#options.onObject(object);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#restartTimer);
    clearInterval(this.#resyncTimer);
    await this.#informer.stop();
  }

  #onError(error: unknown): void {
    if (this.#stopped) return;
    if (this.#starting) {
      this.#errorWhileStarting = true;
      this.#options.log.warn('informer failed to start', {
        resource: this.#options.resource,
        error: apiMessage(error),
      });
      return;
    }
    const { log, metrics, resource, maxRestartDelayMs = 30_000, minRestartDelayMs = 1000 } = this.#options;
    const delayMs = this.#restartDelayMs;
    this.#restartDelayMs = Math.min(delayMs * 2, maxRestartDelayMs);
    log.warn('watch failed; restarting informer', { resource, error: apiMessage(error), delayMs });
    metrics.informerRestarts.inc({ resource });
    clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(() => {
      void this.#startOnce().then((ok) => {
        if (!ok) return this.#onError(new Error('restart failed'));
        this.#restartDelayMs = minRestartDelayMs;
        log.info('informer restarted', { resource });
        // Events missed while down are not replayed for known objects: look at everything again.
        this.resync();
      });
    }, delayMs);
  }
}

/** namespace/name, the work-queue key of a namespaced object. */
export function keyOf(object: k8s.KubernetesObject): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
