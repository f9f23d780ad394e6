/**
 * A pod bound to the runner's node: its containers as local processes, its IP, its folder, and
 * its status, written through the status subresource with server-side apply (the runner owns the
 * phase, the conditions it sets, the IPs and the container statuses; the binding's PodScheduled
 * condition stays the API server's).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { ContainerRunner, type ContainerSettings } from './container.ts';
import type { EnvSources } from './pod-env.ts';
import { podStatus, timestamp, type PodCondition, type PodStatus, type RestartPolicy } from './pod-status.ts';

export const fieldManager = 'movie-reco-pod-runner';
const applyPatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply);

export interface RunningPodDeps {
  readonly core: k8s.CoreV1Api;
  readonly sources: EnvSources;
  readonly hostIP: string;
  readonly settings: Omit<ContainerSettings, 'graceMs'>;
  readonly maxGracePeriodSeconds: number;
  event(pod: k8s.V1Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
  warn(message: string, error: unknown): void;
  /** Called once every container has stopped for good: the IP may go to another pod. */
  onTerminal(pod: RunningPod): void;
}

export class RunningPod {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly ip: string;
  readonly dir: string;
  readonly containers: readonly ContainerRunner[];
  readonly #deps: RunningPodDeps;
  readonly #restartPolicy: RestartPolicy;
  readonly #startTime = timestamp();
  #written: string | undefined;
  #conditions: PodCondition[] = [];
  #writing: Promise<void> | undefined;
  #dirty = false;
  #gone = false;
  #terminal = false;

  constructor(pod: k8s.V1Pod, ip: string, podsDir: string, deps: RunningPodDeps) {
    this.uid = pod.metadata!.uid!;
    this.namespace = pod.metadata!.namespace!;
    this.name = pod.metadata!.name!;
    this.ip = ip;
    this.#deps = deps;
    this.#restartPolicy = (pod.spec?.restartPolicy as RestartPolicy | undefined) ?? 'Always';
    this.dir = join(podsDir, `${this.namespace}_${this.name}_${this.uid.slice(0, 8)}`);
    mkdirSync(this.dir, { recursive: true });
    const graceSeconds = Math.min(pod.spec?.terminationGracePeriodSeconds ?? 30, deps.maxGracePeriodSeconds);
    const settings: ContainerSettings = { ...deps.settings, graceMs: graceSeconds * 1000 };
    this.containers = (pod.spec?.containers ?? []).map(
      (container) =>
        new ContainerRunner({
          pod,
          container,
          podIP: ip,
          hostIP: deps.hostIP,
          podDir: this.dir,
          restartPolicy: this.#restartPolicy,
          sources: deps.sources,
          settings,
          onChange: () => this.#statusChanged(),
          event: (type, reason, message) => deps.event(pod, type, reason, message),
        }),
    );
    const unmounted = (pod.spec?.volumes ?? []).filter((v) => !v.emptyDir).map((v) => v.name);
    if (unmounted.length > 0)
      deps.event(
        pod,
        'Warning',
        'VolumesNotMounted',
        'the pod runner mounts no volumes but emptyDirs (as folders nobody reads); ' +
          `not mounted: ${unmounted.join(', ')}`,
      );
  }

  start(): void {
    this.#statusChanged();
    for (const container of this.containers) container.start();
  }

  /**
   * Stops every container (graceful deletion, or the runner stopping);
   * resolves once they are gone and the status is written.
   */
  async terminate(): Promise<void> {
    await Promise.all(this.containers.map((c) => c.stop()));
    await this.flushStatus();
  }

  /** The pod's scratch folders go with it, as an emptyDir would; logs stay for the tests. */
  removeScratch(): void {
    for (const sub of ['home', 'tmp']) rmSync(join(this.dir, sub), { recursive: true, force: true });
  }

  status(): PodStatus {
    return podStatus(
      {
        restartPolicy: this.#restartPolicy,
        hostIP: this.#deps.hostIP,
        podIP: this.ip,
        startTime: this.#startTime,
        containers: this.containers.map((c) => c.status()),
      },
      this.#conditions,
      timestamp(),
    );
  }

  async flushStatus(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing;
  }

  #statusChanged(): void {
    this.#dirty = true;
    this.#writing ??= this.#writeStatus().finally(() => (this.#writing = undefined));
  }

  async #writeStatus(): Promise<void> {
    while (this.#dirty && !this.#gone) {
      this.#dirty = false;
      const status = this.status();
      const json = JSON.stringify(status);
      if (json === this.#written) continue;
      try {
        await this.#deps.core.patchNamespacedPodStatus(
          {
            name: this.name,
            namespace: this.namespace,
            // The uid makes the write a no-op on a new pod of the same name.
            body: {
              apiVersion: 'v1',
              kind: 'Pod',
              metadata: { name: this.name, namespace: this.namespace, uid: this.uid },
              status,
            },
            fieldManager,
            force: true,
          },
          applyPatch,
        );
        this.#written = json;
        this.#conditions = status.conditions;
        if (!this.#terminal && (status.phase === 'Succeeded' || status.phase === 'Failed')) {
          this.#terminal = true;
          this.#deps.onTerminal(this);
        }
      } catch (error) {
        if (error instanceof k8s.ApiException && (error.code === 404 || error.code === 409)) {
          this.#gone = true;
          return;
        }
        this.#deps.warn(`status of ${this.namespace}/${this.name} not written; retrying`, error);
        this.#dirty = true;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }
}
