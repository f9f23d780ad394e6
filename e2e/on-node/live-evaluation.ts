/**
 * Live evaluation on the node: held-out MovieLens ratings replayed as live users through a
 * release's Service, the online labels its pods log collected the way a log shipper would, and
 * the pods published to Prometheus as scrape targets.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import { readRatings } from '../../data/dataset.ts';
import { batchAt, timeOrder } from '../../data/time-batches.ts';
import type { OnlineLabel } from '../../inference/online-figures.ts';
import type { PrometheusServer } from '../../testenv/prometheus.ts';

export interface HeldOutRating {
  readonly userId: number;
  readonly movieId: number;
  readonly rating: number;
}

/**
 * The ratings of batches `from`..`batches` in time order, numbered as the chart's dataset load
 * numbers them: the ones a database loaded with the batches before `from` has not seen.
 */
export async function heldOutRatings(dir: string, batches: number, from: number): Promise<HeldOutRating[]> {
  const ratings = await readRatings(dir);
  const order = timeOrder(ratings.timestamps);
  const heldOut: HeldOutRating[] = [];
  for (let position = 0; position < order.length; position++) {
    if (batchAt(position, order.length, batches) < from) continue;
    const row = order[position]!;
    heldOut.push({ userId: ratings.userIds[row]!, movieId: ratings.movieIds[row]!, rating: ratings.values[row]! });
  }
  return heldOut;
}

export interface Replay {
  /** Every request that did not get its expected answer, with when it was sent. */
  failures(): readonly { at: number; what: string }[];
  /** Stops after the rating in flight. */
  stop(): Promise<{ posted: number; requests: number }>;
}

/**
 * One user after another, as the ratings came: each asks for their recommendations, then posts
 * the rating they gave. Paced at `ratingsPerSecond`, so a step's labels arrive over seconds.
 */
export function startReplay(options: {
  readonly address: string;
  readonly authorization: string;
  readonly ratings: readonly HeldOutRating[];
  readonly ratingsPerSecond: number;
}): Replay {
  let running = true;
  let posted = 0;
  let requests = 0;
  const failures: { at: number; what: string }[] = [];
  const headers = { authorization: options.authorization };
  const call = async (path: string, expected: number, init: RequestInit = {}) => {
    const at = Date.now();
    requests++;
    try {
      const response = await fetch(`http://${options.address}${path}`, {
        ...init,
        headers: { ...headers, ...init.headers },
      });
      const body = await response.text();
      if (response.status !== expected)
        failures.push({ at, what: `${path}: ${response.status} ${body.slice(0, 200)}` });
      return response.status === expected;
    } catch (error) {
      failures.push({ at, what: `${path}: ${(error as Error).message}` });
      return false;
    }
  };
  const loop = (async () => {
    const started = Date.now();
    for (const [k, rating] of options.ratings.entries()) {
      if (!running) break;
      await call(`/v1/recommendations?userId=${rating.userId}&n=10`, 200);
      const stored = await call('/v1/ratings', 201, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(rating),
      });
      if (stored) posted++;
      const due = started + ((k + 1) * 1000) / options.ratingsPerSecond;
      if (due > Date.now()) await sleep(due - Date.now());
    }
  })();
  return {
    failures: () => failures,
    async stop() {
      running = false;
      await loop;
      return { posted, requests };
    },
  };
}

export interface LabelLog {
  /** The `online label` records logged so far by every pod followed. */
  labels(): OnlineLabel[];
  /** Pods followed so far. */
  pods(): readonly string[];
  stop(): void;
}

/**
 * Follows the logs of every pod the selector matches with `kubectl logs -f`, as pods come and go,
 * and keeps their `online label` records. A follow that ends while its container still runs
 * starts again from the first line; a pod's records are its longest reading.
 */
export function followOnlineLabels(
  kc: k8s.KubeConfig,
  kubeconfigFile: string,
  namespace: string,
  labelSelector: string,
): LabelLog {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const byPod = new Map<string, OnlineLabel[]>();
  const followers = new Map<string, ChildProcess>();
  let running = true;
  const follow = (pod: string) => {
    const reading: OnlineLabel[] = [];
    const args = ['--kubeconfig', kubeconfigFile, 'logs', '-f', '-n', namespace, pod, '-c', 'inference'];
    const child = spawn('kubectl', args, { stdio: ['ignore', 'pipe', 'ignore'] });
    followers.set(pod, child);
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.includes('"online label"')) return;
      const record = JSON.parse(line) as OnlineLabel & { msg: string };
      if (record.msg !== 'online label') return;
      reading.push(record);
      if (reading.length > (byPod.get(pod)?.length ?? 0)) byPod.set(pod, reading);
    });
    child.on('exit', () => {
      if (!running) return;
      void core.readNamespacedPod({ namespace, name: pod }).then(
        (current) => {
          const stillRunning = current.status?.containerStatuses?.some((c) => c.state?.running);
          if (running && stillRunning) follow(pod);
        },
        () => undefined,
      );
    });
  };
  void (async () => {
    while (running) {
      const pods = await core.listNamespacedPod({ namespace, labelSelector }).catch(() => undefined);
      for (const pod of pods?.items ?? []) {
        const name = pod.metadata!.name!;
        const started = pod.status?.containerStatuses?.some((c) => c.state?.running || c.state?.terminated);
        if (started && !followers.has(name)) follow(name);
      }
      await sleep(500);
    }
  })();
  return {
    labels: () => [...byPod.values()].flat(),
    pods: () => [...followers.keys()],
    stop() {
      running = false;
      for (const child of followers.values()) child.kill();
    },
  };
}

/**
 * Keeps a Prometheus job's targets to the pods the selector matches, each at its IP and `port`
 * with its name as the `pod` label, until the pod is deleted (a terminating pod is still scraped).
 */
export function publishPodTargets(options: {
  readonly kc: k8s.KubeConfig;
  readonly namespace: string;
  readonly labelSelector: string;
  readonly prometheus: PrometheusServer;
  readonly job: string;
  readonly port: number;
}): { stop(): void } {
  const core = options.kc.makeApiClient(k8s.CoreV1Api);
  let running = true;
  void (async () => {
    while (running) {
      const pods = await core
        .listNamespacedPod({ namespace: options.namespace, labelSelector: options.labelSelector })
        .catch(() => undefined);
      if (pods)
        options.prometheus.setTargets(
          options.job,
          pods.items
            .filter((pod) => pod.status?.podIP)
            .map((pod) => ({ address: `${pod.status!.podIP}:${options.port}`, labels: { pod: pod.metadata!.name! } })),
        );
      await sleep(500);
    }
  })();
  return {
    stop() {
      running = false;
    },
  };
}
