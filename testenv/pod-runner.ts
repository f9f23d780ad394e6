/**
 * A pod runner for tests: the kubelet and scheduler the test environment lacks, for the project's
 * own image only. It registers a Node, binds the pending Pods whose every container uses the
 * project's image to it, runs each container's command as a local process (see container.ts),
 * gives each pod its own loopback address, reports pod status so that the real Job, ReplicaSet,
 * Deployment and garbage-collector controllers of kube-controller-manager take it from there, and
 * kills the processes of deleted pods. Pods of any other image stay Pending, with an Event saying
 * why. Nothing it starts or probes listens or connects beyond loopback.
 *
 * One thing a real kubelet's pods get that these cannot: EndpointSlices. The API refuses loopback
 * addresses in them, so a Service's ready pods come from readyEndpoints() (pod-runner/endpoints.ts).
 *
 *   const runner = await startPodRunner({ kubeConfig, namespace });
 *   ... create a Job or a Deployment of image movie-reco:<any tag> ...
 *   runner.logs(namespace, podName); runner.podIp(namespace, podName);
 *   await readyEndpoints(kubeConfig, namespace, serviceName);   // ['127.0.1.2:8080', ...]
 *   await runner.stop();
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { repoRoot } from './paths.ts';
import { defaultImagePattern, isProjectImage } from './pod-runner/image.ts';
import { hostIP, registerNode, type RegisteredNode } from './pod-runner/node.ts';
import type { EnvSources } from './pod-runner/pod-env.ts';
import { PodIpPool } from './pod-runner/pod-ips.ts';
import { RunningPod } from './pod-runner/running-pod.ts';

export { readyEndpoints } from './pod-runner/endpoints.ts';

export interface PodRunnerOptions {
  readonly kubeConfig: k8s.KubeConfig;
  /** Default: pod-runner-<random>. */
  readonly nodeName?: string;
  /**
   * Matched against an image's repository (no tag, no digest).
   * Default: the project's image, `movie-reco` from any registry.
   */
  readonly imagePattern?: RegExp;
  /** Run only this namespace's pods (lets parallel test files each have a runner). Default: all. */
  readonly namespace?: string;
  /**
   * Where each pod's folder (logs, termination messages, HOME, TMPDIR) goes.
   * Default: a temp folder that stop() removes.
   */
  readonly logDir?: string;
  /** Caps terminationGracePeriodSeconds (default 10: the inference server's 5 s shutdown delay and a short drain). */
  readonly maxGracePeriodSeconds?: number;
  /** Restart backoff of restartPolicy Always/OnFailure (the kubelet's: 10 s doubling to 5 min). Default 1 s to 10 s. */
  readonly restartBackoff?: { readonly initialMs: number; readonly maxMs: number };
  /** Caps probes' periodSeconds, so that tests need not wait for a 10 s period. Default: none. */
  readonly maxProbePeriodSeconds?: number;
  /** Shared by every runner on the machine (pod-ips.ts). */
  readonly ipLockDir?: string;
}

export interface PodRunner {
  readonly nodeName: string;
  readonly logDir: string;
  /** The runner's own log: bindings, Events and errors, as JSON lines. */
  readonly runnerLog: string;
  /**
   * Everything a container of the pod wrote to stdout and stderr, every restart included;
   * default: the pod's first container.
   */
  logs(namespace: string, name: string, container?: string): string;
  logFile(namespace: string, name: string, container?: string): string | undefined;
  /**
   * The IP this runner gave the pod (after the pod ended, the one its status still shows;
   * it may serve another pod by then).
   */
  podIp(namespace: string, name: string): string | undefined;
  /** Kills every process (SIGTERM, then SIGKILL after the grace period) and deletes the Node. */
  stop(): Promise<void>;
}

const keyOf = (pod: k8s.V1Pod) => `${pod.metadata?.namespace}/${pod.metadata?.name}`;
const component = 'movie-reco-pod-runner';

export async function startPodRunner(options: PodRunnerOptions): Promise<PodRunner> {
  const runner = new Runner(options);
  await runner.start();
  return runner;
}

class Runner implements PodRunner {
  readonly nodeName: string;
  readonly logDir: string;
  readonly runnerLog: string;
  readonly #options: PodRunnerOptions;
  readonly #ownsLogDir: boolean;
  readonly #core: k8s.CoreV1Api;
  readonly #ips: PodIpPool;
  readonly #pods = new Map<string, RunningPod>();
  /** Log files by pod key and container, kept after the pod is gone. */
  readonly #logFiles = new Map<string, Map<string, string>>();
  readonly #handled = new Set<string>();
  readonly #queue: KeyQueue;
  readonly #informer: k8s.Informer<k8s.V1Pod> & k8s.ObjectCache<k8s.V1Pod>;
  #node: RegisteredNode | undefined;
  #stopped = false;
  #restartTimer: NodeJS.Timeout | undefined;
  #restartDelayMs = 1000;
  #resyncTimer: NodeJS.Timeout | undefined;

  constructor(options: PodRunnerOptions) {
    this.#options = options;
    this.nodeName = options.nodeName ?? `pod-runner-${randomBytes(4).toString('hex')}`;
    this.#ownsLogDir = options.logDir === undefined;
    this.logDir = options.logDir ?? mkdtempSync(join(tmpdir(), 'movie-reco-pod-runner-'));
    this.runnerLog = join(this.logDir, `${this.nodeName}.log`);
    this.#core = options.kubeConfig.makeApiClient(k8s.CoreV1Api);
    this.#ips = new PodIpPool(options.ipLockDir);
    this.#queue = new KeyQueue(
      (key) => this.#reconcile(key),
      (key, error) => this.#warn(`reconcile ${key} failed; retrying`, error),
    );
    const ns = options.namespace;
    const path = ns ? `/api/v1/namespaces/${ns}/pods` : '/api/v1/pods';
    const list = () => (ns ? this.#core.listNamespacedPod({ namespace: ns }) : this.#core.listPodForAllNamespaces());
    this.#informer = k8s.makeInformer(options.kubeConfig, path, list);
    for (const verb of [k8s.ADD, k8s.UPDATE, k8s.DELETE] as const) {
      this.#informer.on(verb, (pod) => {
        this.#restartDelayMs = 1000;
        this.#queue.add(keyOf(pod));
      });
    }
    this.#informer.on(k8s.ERROR, (error) => this.#restartInformer(error));
  }

  async start(): Promise<void> {
    this.#node = await registerNode(this.#options.kubeConfig, this.nodeName, 253, (message, error) =>
      this.#warn(message, error),
    );
    await this.#informer.start();
    // The level-triggered safety net: look at every pod again now and then.
    this.#resyncTimer = setInterval(() => this.#resync(), 30_000);
    this.#resyncTimer.unref();
    this.#log('info', 'started', {
      node: this.nodeName,
      namespace: this.#options.namespace ?? '(all)',
      logDir: this.logDir,
    });
  }

  logFile(namespace: string, name: string, container?: string): string | undefined {
    const files = this.#logFiles.get(`${namespace}/${name}`);
    if (!files) return undefined;
    return container === undefined ? files.values().next().value : files.get(container);
  }

  logs(namespace: string, name: string, container?: string): string {
    const file = this.logFile(namespace, name, container);
    if (!file)
      throw new Error(
        `pod ${namespace}/${name}${container ? ` (container ${container})` : ''} has not run on ${this.nodeName}`,
      );
    return readFileSync(file, 'utf8');
  }

  podIp(namespace: string, name: string): string | undefined {
    return this.#pods.get(`${namespace}/${name}`)?.ip;
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#restartTimer);
    clearInterval(this.#resyncTimer);
    this.#queue.stop();
    await this.#informer.stop();
    await Promise.all(
      [...this.#pods.values()].map((pod) =>
        pod.terminate().catch((error: unknown) => this.#warn(`stopping ${pod.namespace}/${pod.name}`, error)),
      ),
    );
    for (const pod of this.#pods.values()) pod.removeScratch();
    this.#pods.clear();
    this.#ips.releaseAll();
    // Without its Node, kube-controller-manager's pod GC deletes the pods bound to it.
    await this.#node?.stop();
    this.#log('info', 'stopped', {});
    if (this.#ownsLogDir) rmSync(this.logDir, { recursive: true, force: true });
  }

  /** Read the pod as it is now, make the processes match it. */
  async #reconcile(key: string): Promise<void> {
    if (this.#stopped) return;
    const slash = key.indexOf('/');
    const pod = this.#informer.get(key.slice(slash + 1), key.slice(0, slash));
    const running = this.#pods.get(key);
    if (running && running.uid !== pod?.metadata?.uid) {
      // Deleted outright (grace 0) or replaced by a new pod of the same name.
      await this.#teardown(key, running);
    }
    if (!pod?.metadata?.uid) return;
    const uid = pod.metadata.uid;
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) {
      if (!pod.metadata.deletionTimestamp) await this.#schedule(pod);
      return;
    }
    if (nodeName !== this.nodeName) return;
    const current = this.#pods.get(key);
    if (pod.metadata.deletionTimestamp) {
      // The kubelet's part of a graceful deletion: stop the containers, then delete for good.
      if (current) await this.#teardown(key, current);
      // Once: a pod with finalizers (a Job's) stays until its controller removes them.
      if (!this.#handled.has(`deleted/${uid}`)) {
        // In the body: the API server ignores query parameters when a delete carries one.
        await this.#core
          .deleteNamespacedPod({
            name: pod.metadata.name!,
            namespace: pod.metadata.namespace!,
            body: { gracePeriodSeconds: 0, preconditions: { uid } },
          })
          .catch((error: unknown) => {
            if (!(error instanceof k8s.ApiException && (error.code === 404 || error.code === 409))) throw error;
          });
        this.#handled.add(`deleted/${uid}`);
      }
      return;
    }
    if (this.#stopped || current || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
    const refusal = this.#refusal(pod);
    if (refusal) return this.#refuse(pod, refusal);
    this.#run(pod);
  }

  #run(pod: k8s.V1Pod): void {
    const key = keyOf(pod);
    const ip = this.#ips.allocate();
    const running = new RunningPod(pod, ip, this.logDir, {
      core: this.#core,
      sources: this.#sources(),
      hostIP,
      settings: {
        repoRoot,
        nodeBinary: join(repoRoot, 'node_modules/node/bin/node'),
        restartBackoff: this.#options.restartBackoff ?? { initialMs: 1000, maxMs: 10_000 },
        ...(this.#options.maxProbePeriodSeconds !== undefined
          ? { maxProbePeriodSeconds: this.#options.maxProbePeriodSeconds }
          : {}),
      },
      maxGracePeriodSeconds: this.#options.maxGracePeriodSeconds ?? 10,
      event: (p, type, reason, message) => this.#event(p, type, reason, message),
      warn: (message, error) => this.#warn(message, error),
      onTerminal: (p) => {
        // Its containers are gone for good: the address may serve another pod (its status keeps it).
        this.#ips.release(p.ip);
        this.#log('info', 'pod finished', { pod: key, ip: p.ip });
      },
    });
    this.#pods.set(key, running);
    this.#logFiles.set(key, new Map(running.containers.map((c) => [c.name, c.logFile])));
    this.#log('info', 'running pod', { pod: key, uid: running.uid, ip, dir: running.dir });
    running.start();
  }

  async #teardown(key: string, running: RunningPod): Promise<void> {
    await running.terminate();
    running.removeScratch();
    this.#ips.release(running.ip);
    if (this.#pods.get(key) === running) this.#pods.delete(key);
    this.#log('info', 'pod stopped', { pod: key, uid: running.uid, ip: running.ip });
  }

  /** Why the runner will not run this pod (an Event's reason and message), or undefined. */
  #refusal(pod: k8s.V1Pod): { reason: string; message: string } | undefined {
    const pattern = this.#options.imagePattern ?? defaultImagePattern;
    const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
    const foreign = containers.filter((c) => !isProjectImage(c.image, pattern));
    if (foreign.length > 0) {
      const list = foreign.map((c) => `container "${c.name}" uses image "${c.image ?? ''}"`).join(', ');
      return {
        reason: 'NotProjectImage',
        message:
          `${list}; the pod runner ${this.nodeName} runs only the project's image ` +
          `(repository matching ${pattern}), so the pod stays Pending`,
      };
    }
    if (pod.spec?.initContainers?.length)
      return {
        reason: 'NotSupported',
        message: `the pod runner ${this.nodeName} does not run init containers, so the pod stays Pending`,
      };
    return undefined;
  }

  #refuse(pod: k8s.V1Pod, refusal: { reason: string; message: string }): void {
    const once = `refused/${pod.metadata?.uid}`;
    if (this.#handled.has(once)) return;
    this.#handled.add(once);
    this.#event(pod, 'Warning', refusal.reason, refusal.message);
  }

  async #schedule(pod: k8s.V1Pod): Promise<void> {
    if (pod.status?.phase && pod.status.phase !== 'Pending') return;
    if (pod.spec?.schedulingGates?.length) return;
    if (pod.spec?.schedulerName && pod.spec.schedulerName !== 'default-scheduler') return;
    const refusal = this.#refusal(pod);
    if (refusal) return this.#refuse(pod, refusal);
    const { name, namespace, uid } = pod.metadata!;
    try {
      await this.#core.createNamespacedPodBinding({
        name: name!,
        namespace: namespace!,
        body: {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name, namespace, uid },
          target: { apiVersion: 'v1', kind: 'Node', name: this.nodeName },
        },
      });
    } catch (error) {
      // 409: bound already (another runner was quicker), or gone and recreated.
      if (error instanceof k8s.ApiException && (error.code === 409 || error.code === 404)) return;
      throw error;
    }
    this.#event(pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${this.nodeName}`);
  }

  #sources(): EnvSources {
    const absent = (error: unknown) => {
      if (error instanceof k8s.ApiException && error.code === 404) return undefined;
      throw error;
    };
    return {
      secret: (namespace, name) =>
        this.#core
          .readNamespacedSecret({ name, namespace })
          .then(
            (secret) =>
              Object.fromEntries(
                Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
              ),
            absent,
          ),
      configMap: (namespace, name) =>
        this.#core.readNamespacedConfigMap({ name, namespace }).then((configMap) => ({ ...configMap.data }), absent),
    };
  }

  #event(pod: k8s.V1Pod, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const { name, namespace, uid } = pod.metadata!;
    this.#log(type === 'Warning' ? 'warn' : 'info', 'event', { pod: `${namespace}/${name}`, reason, message });
    if (this.#stopped) return;
    const now = new Date();
    void this.#core
      .createNamespacedEvent({
        namespace: namespace!,
        body: {
          metadata: { generateName: `${name}.`, namespace },
          involvedObject: { apiVersion: 'v1', kind: 'Pod', name, namespace, uid },
          type,
          reason,
          message,
          source: { component, host: this.nodeName },
          reportingComponent: component,
          reportingInstance: this.nodeName,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      })
      .catch((error: unknown) => {
        // The namespace may be going away with the test.
        if (!(error instanceof k8s.ApiException && (error.code === 404 || error.code === 403)))
          this.#warn('event not recorded', error);
      });
  }

  /**
   * client-node's informer stops for good on an error other than 410 Gone (the API server went
   * away, say): start it again, 1 s doubling to 5 s apart (loopback: retries are cheap, and a test
   * waits for the recovery), back to 1 s once pods flow again.
   */
  #restartInformer(error: unknown): void {
    if (this.#stopped) return;
    const delayMs = this.#restartDelayMs;
    this.#restartDelayMs = Math.min(delayMs * 2, 5000);
    this.#warn(`pod watch failed; restarting in ${delayMs} ms`, error);
    clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(() => {
      this.#informer.start().then(
        () => this.#resync(),
        (err: unknown) => this.#restartInformer(err),
      );
    }, delayMs);
  }

  #resync(): void {
    for (const pod of this.#informer.list()) this.#queue.add(keyOf(pod));
    for (const key of this.#pods.keys()) this.#queue.add(key);
  }

  #warn(message: string, error: unknown): void {
    const detail =
      error instanceof k8s.ApiException
        ? `${error.code}: ${String(error.body).slice(0, 500)}`
        : (error as Error)?.message;
    this.#log('warn', message, { error: detail });
  }

  #log(level: string, msg: string, fields: Record<string, unknown>): void {
    try {
      appendFileSync(this.runnerLog, `${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
    } catch {
      // the folder went away (stop() removed it)
    }
  }
}

/**
 * One reconcile at a time per key; a key that changes while its reconcile runs is reconciled
 * again after it; a failed reconcile is retried with backoff.
 */
class KeyQueue {
  readonly #handler: (key: string) => Promise<void>;
  readonly #onError: (key: string, error: unknown) => void;
  readonly #active = new Map<string, { again: boolean }>();
  readonly #failures = new Map<string, number>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #stopped = false;

  constructor(handler: (key: string) => Promise<void>, onError: (key: string, error: unknown) => void) {
    this.#handler = handler;
    this.#onError = onError;
  }

  add(key: string): void {
    if (this.#stopped) return;
    const active = this.#active.get(key);
    if (active) {
      active.again = true;
      return;
    }
    const entry = { again: false };
    this.#active.set(key, entry);
    void this.#drain(key, entry);
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
  }

  async #drain(key: string, entry: { again: boolean }): Promise<void> {
    do {
      entry.again = false;
      try {
        await this.#handler(key);
        this.#failures.delete(key);
      } catch (error) {
        this.#onError(key, error);
        const failures = (this.#failures.get(key) ?? 0) + 1;
        this.#failures.set(key, failures);
        const timer = setTimeout(
          () => {
            this.#timers.delete(timer);
            this.add(key);
          },
          Math.min(250 * 2 ** failures, 10_000),
        );
        this.#timers.add(timer);
      }
    } while (entry.again && !this.#stopped);
    this.#active.delete(key);
  }
}
