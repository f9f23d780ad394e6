/**
 * Leader election on a coordination.k8s.io Lease, after client-go's leaderelection: a replica
 * acts only while it holds the lease; it renews every retry period; another replica takes over
 * only after the lease went unrenewed for leaseDuration as measured on its own clock (so clock
 * skew between replicas does not matter); a replica that cannot renew within renewDeadline stops
 * leading. Writes carry the resourceVersion, so two candidates never both win a race.
 */
import * as k8s from '@kubernetes/client-node';
import type { Logger } from '../../common/log.ts';

export interface LeaderElectionOptions {
  kc: k8s.KubeConfig;
  namespace: string;
  name: string;
  identity: string;
  log: Logger;
  leaseDurationSeconds?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export class LeaderElector {
  readonly #api: k8s.CoordinationV1Api;
  readonly #options: Required<LeaderElectionOptions>;
  #observed: { holder: string; renewTime: string; seenAt: number } | undefined;
  #leading = false;
  #stopped = false;
  #lastRenewal = 0;
  #timer: NodeJS.Timeout | undefined;
  #wake: (() => void) | undefined;

  constructor(options: LeaderElectionOptions) {
    // client-go's proportions (15 s lease, 10 s renew deadline, 2 s retry) for any lease duration.
    const lease = options.leaseDurationSeconds ?? 15;
    this.#options = {
      leaseDurationSeconds: lease,
      renewDeadlineMs: (lease * 1000 * 2) / 3,
      retryPeriodMs: (lease * 1000) / 7.5,
      ...options,
    };
    this.#api = options.kc.makeApiClient(k8s.CoordinationV1Api);
  }

  get leading(): boolean {
    return this.#leading;
  }

  /**
   * Resolves when this replica becomes leader, then keeps renewing in the background and calls
   * onLost once if leadership is lost. Resolves false if stopped before ever leading.
   */
  async acquire(onLost: () => void): Promise<boolean> {
    const { retryPeriodMs, log } = this.#options;
    while (!this.#stopped) {
      if (await this.#tryAcquireOrRenew()) {
        this.#leading = true;
        this.#lastRenewal = Date.now();
        log.info('became leader', { lease: this.#options.name, identity: this.#options.identity });
        this.#renewLoop(onLost);
        return true;
      }
      await this.#sleep(retryPeriodMs);
    }
    return false;
  }

  /** Stops renewing and, when leading, hands the lease over at once instead of letting it expire. */
  async release(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#wake?.();
    if (!this.#leading) return;
    this.#leading = false;
    const { namespace, name, identity } = this.#options;
    try {
      const lease = await this.#api.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== identity) return;
      lease.spec = {
        ...lease.spec,
        holderIdentity: undefined,
        leaseDurationSeconds: 1,
        renewTime: new k8s.V1MicroTime(Date.now()),
      };
      await this.#api.replaceNamespacedLease({ name, namespace, body: lease });
    } catch (error) {
      this.#options.log.warn('could not release the lease; it will expire', { error });
    }
  }

  #renewLoop(onLost: () => void): void {
    const { retryPeriodMs, renewDeadlineMs, log } = this.#options;
    const tick = async () => {
      if (this.#stopped) return;
      const renewed = await this.#tryAcquireOrRenew();
      if (renewed) this.#lastRenewal = Date.now();
      if (
        !renewed &&
        (Date.now() - this.#lastRenewal > renewDeadlineMs || this.#observed?.holder !== this.#options.identity)
      ) {
        this.#leading = false;
        log.error('lost leadership', { lease: this.#options.name, holder: this.#observed?.holder });
        onLost();
        return;
      }
      this.#timer = setTimeout(tick, retryPeriodMs);
    };
    this.#timer = setTimeout(tick, retryPeriodMs);
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity, leaseDurationSeconds, log } = this.#options;
    const now = new k8s.V1MicroTime(Date.now());
    try {
      let lease: k8s.V1Lease;
      try {
        lease = await this.#api.readNamespacedLease({ name, namespace });
      } catch (error) {
        if (!(error instanceof k8s.ApiException && error.code === 404)) throw error;
        await this.#api.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds,
              acquireTime: now,
              renewTime: now,
              leaseTransitions: 0,
            },
          },
        });
        this.#observed = { holder: identity, renewTime: now.toISOString(), seenAt: Date.now() };
        return true;
      }
      const spec = lease.spec ?? {};
      const holder = spec.holderIdentity ?? '';
      const renewTime = spec.renewTime ? new Date(spec.renewTime).toISOString() : '';
      if (!this.#observed || this.#observed.holder !== holder || this.#observed.renewTime !== renewTime) {
        this.#observed = { holder, renewTime, seenAt: Date.now() };
      }
      const duration = (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
      if (holder && holder !== identity && this.#observed.seenAt + duration > Date.now()) return false;
      const takingOver = holder !== identity;
      lease.spec = {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds,
        renewTime: now,
        ...(takingOver ? { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + (holder ? 1 : 0) } : {}),
      };
      await this.#api.replaceNamespacedLease({ name, namespace, body: lease });
      this.#observed = { holder: identity, renewTime: now.toISOString(), seenAt: Date.now() };
      return true;
    } catch (error) {
      // 409: another candidate wrote first; anything else: try again next period.
      if (!(error instanceof k8s.ApiException && error.code === 409)) log.warn('lease update failed', { error });
      return false;
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#timer = setTimeout(resolve, ms);
      this.#wake = () => resolve();
    });
  }
}
