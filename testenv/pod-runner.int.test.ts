import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSynthetic } from '../data/synthetic.ts';
import { smallArtifact } from '../inference/testing/small-model.ts';
import { writeArtifact } from '../storage/artifact-store.ts';
import { loadRatings } from '../storage/bulk-load.ts';
import { openDatabase } from '../storage/database.ts';
import { LocalObjectStore } from '../storage/local-object-store.ts';
import { migrateToLatest } from '../storage/migrations.ts';
import {
  adminKubeConfig,
  createTestNamespace,
  startControllerManager,
  testEnv,
  type RunningControllerManager,
  type TestNamespace,
} from './fixtures.ts';
import { waitFor } from './poll.ts';
import { readyEndpoints, startPodRunner, type PodRunner } from './pod-runner.ts';

const image = 'movie-reco:0.1.0';
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

/** Pods start and stop as processes with backoff: seconds, not milliseconds. */
const slowly = { timeoutMs: 45_000, intervalMs: 250 };

/** true when something accepts TCP connections on ip:port. */
function listening(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: ip, port, timeout: 1000 });
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('timeout', () => socket.destroy());
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(false));
  });
}

describe('the pod runner (local processes as the pods of a real control plane)', () => {
  const kc = adminKubeConfig();
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const batch = kc.makeApiClient(k8s.BatchV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const discovery = kc.makeApiClient(k8s.DiscoveryV1Api);
  let controllerManager: RunningControllerManager;
  let namespace: TestNamespace;
  let ns: string;
  let runner: PodRunner;
  let work: string;

  beforeAll(async () => {
    [controllerManager, namespace] = await Promise.all([startControllerManager(), createTestNamespace('pod-runner')]);
    ns = namespace.name;
    work = mkdtempSync(join(testEnv('MOVIE_RECO_TEST_ENV_DIR'), 'pod-runner-'));
    runner = await startPodRunner({ kubeConfig: kc, namespace: ns, logDir: join(work, 'pods') });
  });
  afterAll(async () => {
    await runner?.stop();
    await namespace?.delete();
    await controllerManager?.stop();
  });

  const podsOf = async (selector: string) =>
    (await core.listNamespacedPod({ namespace: ns, labelSelector: selector })).items;
  const jobCondition = (name: string, type: string) =>
    waitFor(
      `Job ${name} ${type}`,
      async () =>
        (await batch.readNamespacedJob({ name, namespace: ns })).status?.conditions?.find(
          (c) => c.type === type && c.status === 'True',
        ),
      slowly,
    );

  /** A trainer Job shaped as operator/trainingrun/job.ts makes them; `secret` is the backend Secret, if any. */
  function trainerJob(
    name: string,
    args: string[],
    { env = [], secret }: { env?: k8s.V1EnvVar[]; secret?: string } = {},
  ): k8s.V1Job {
    return {
      metadata: { name },
      spec: {
        backoffLimit: 0,
        template: {
          metadata: { labels: { app: name } },
          spec: {
            restartPolicy: 'Never',
            containers: [
              {
                name: 'trainer',
                image,
                command: ['movie-reco'],
                args,
                ...(secret ? { envFrom: [{ secretRef: { name: secret } }] } : {}),
                env: [{ name: 'TERMINATION_MESSAGE_PATH', value: '/dev/termination-log' }, ...env],
                terminationMessagePath: '/dev/termination-log',
                terminationMessagePolicy: 'FallbackToLogsOnError',
              },
            ],
          },
        },
      },
    };
  }

  it('runs trainer Jobs to Complete and to Failed, with their termination messages', async () => {
    // The trainer's backends, as the operator's backend Secret names them: SQLite files and a folder here.
    const loaded = `sqlite://${join(work, 'ratings.db')}`;
    const db = await openDatabase(loaded);
    await migrateToLatest(db);
    await loadRatings(db, generateSynthetic({ users: 200, movies: 100, ratings: 6000, seed: 3 }).ratings);
    await db.close();
    const secret = (database: string) => ({
      MOVIE_RECO_DATABASE_URL: database,
      MOVIE_RECO_ARTIFACT_STORE: join(work, 'artifacts'),
    });
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'backend' }, stringData: secret(loaded) },
    });
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'empty-backend' }, stringData: secret(`sqlite://${join(work, 'empty.db')}`) },
    });
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'trainer' }, data: { model: 'movielens' } },
    });

    const trainArgs = ['train', '--model', '$(MODEL)', '--algorithm', 'svd', '--factors', '8', '--epochs', '3'];
    const modelEnv: k8s.V1EnvVar[] = [
      { name: 'MODEL', valueFrom: { configMapKeyRef: { name: 'trainer', key: 'model' } } },
      // The run id is the Job's name, read through the downward API.
      {
        name: 'MOVIE_RECO_RUN_ID',
        valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } },
      },
    ];
    await Promise.all([
      batch.createNamespacedJob({
        namespace: ns,
        body: trainerJob('train-ok', trainArgs, { env: modelEnv, secret: 'backend' }),
      }),
      batch.createNamespacedJob({
        namespace: ns,
        body: trainerJob('train-empty', trainArgs, { env: modelEnv, secret: 'empty-backend' }),
      }),
      // No --database and no MOVIE_RECO_DATABASE_URL: a usage error, and no message file.
      batch.createNamespacedJob({ namespace: ns, body: trainerJob('train-usage', ['train', '--model', 'movielens']) }),
    ]);

    await jobCondition('train-ok', 'Complete');
    const [ok] = await podsOf('app=train-ok');
    expect(ok?.status?.phase).toBe('Succeeded');
    expect(ok?.spec?.nodeName).toBe(runner.nodeName);
    const done = ok?.status?.containerStatuses?.[0]?.state?.terminated;
    expect(done).toMatchObject({ exitCode: 0, reason: 'Completed' });
    const result = JSON.parse(done!.message!) as {
      runId: string;
      model: string;
      phase: string;
      metrics: { rmse: number };
    };
    expect(result).toMatchObject({ runId: 'train-ok', model: 'movielens', phase: 'Succeeded' });
    expect(result.metrics.rmse).toBeGreaterThan(0);
    // stdout and stderr are kept per pod: the result line, and the trainer's JSON log lines.
    expect(runner.logs(ns, ok!.metadata!.name!)).toContain('"epoch"');

    const failed = await jobCondition('train-empty', 'Failed');
    expect(failed.reason).toBe('BackoffLimitExceeded');
    const [empty] = await podsOf('app=train-empty');
    expect(empty?.status?.phase).toBe('Failed');
    const crashed = empty?.status?.containerStatuses?.[0]?.state?.terminated;
    expect(crashed).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(JSON.parse(crashed!.message!)).toMatchObject({
      runId: 'train-empty',
      phase: 'Failed',
      reason: expect.stringMatching(/nothing to train on/),
    });

    await jobCondition('train-usage', 'Failed');
    const [usage] = await podsOf('app=train-usage');
    const refused = usage?.status?.containerStatuses?.[0]?.state?.terminated;
    expect(refused?.exitCode).toBe(2);
    // FallbackToLogsOnError: the message file stayed empty, so the log's tail is the message.
    expect(refused?.message).toMatch(/--database \(or MOVIE_RECO_DATABASE_URL\) is required/);
  });

  it('runs two inference replicas on their own loopback IPs, Ready by probe; scaling down kills one', async () => {
    const models = join(work, 'models');
    const stored = await writeArtifact(new LocalObjectStore(models), 'run-a', await smallArtifact('run-a'));
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: {
        metadata: { name: 'serving' },
        data: {
          MOVIE_RECO_MODEL_URI: join(models, 'run-a'),
          MOVIE_RECO_SHUTDOWN_DELAY_SECONDS: '1',
          MOVIE_RECO_DRAIN_SECONDS: '1',
          MOVIE_RECO_PRECOMPUTE: 'false',
        },
      },
    });
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'model' }, stringData: { digest: stored.digest } },
    });
    const labels = { app: 'inference' };
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'inference' },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              containers: [
                {
                  name: 'inference',
                  image,
                  command: ['movie-reco'],
                  args: ['serve'],
                  ports: [{ name: 'http', containerPort: 8080 }],
                  envFrom: [{ configMapRef: { name: 'serving' } }],
                  env: [
                    { name: 'MOVIE_RECO_MODEL_DIGEST', valueFrom: { secretKeyRef: { name: 'model', key: 'digest' } } },
                    { name: 'MOVIE_RECO_PORT', value: '8080' },
                  ],
                  readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 1, failureThreshold: 2 },
                  // Liveness only once started: a busy machine may take longer than its 6 s to start node.
                  startupProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1, failureThreshold: 60 },
                  livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 2, failureThreshold: 3 },
                },
              ],
            },
          },
        },
      },
    });
    await core.createNamespacedService({
      namespace: ns,
      body: {
        metadata: { name: 'inference' },
        spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
      },
    });

    await waitFor(
      '2 available replicas',
      async () =>
        (await apps.readNamespacedDeployment({ name: 'inference', namespace: ns })).status?.availableReplicas === 2
          ? true
          : undefined,
      slowly,
    );
    const pods = await podsOf('app=inference');
    expect(pods).toHaveLength(2);
    const ips = pods.map((pod) => pod.status?.podIP ?? '');
    expect(new Set(ips).size).toBe(2);
    for (const [i, pod] of pods.entries()) {
      expect(ips[i]).toMatch(/^127\.0\.1\.\d+$/);
      expect(runner.podIp(ns, pod.metadata!.name!)).toBe(ips[i]);
      expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(pod.status?.containerStatuses?.[0]).toMatchObject({ ready: true, started: true, restartCount: 0 });
      // Each replica answers on its own address, same port.
      const answer = await fetch(`http://${ips[i]}:8080/v1/recommendations?userId=3`);
      expect(answer.status).toBe(200);
    }
    // How a client finds the replicas: the Service's ready endpoints, as kube-proxy would route.
    expect(await readyEndpoints(kc, ns, 'inference')).toEqual(ips.map((ip) => `${ip}:8080`).sort());
    // Not from EndpointSlices: the API refuses loopback addresses in them, whoever writes them.
    const refused = await discovery
      .createNamespacedEndpointSlice({
        namespace: ns,
        body: { metadata: { name: 'loopback' }, addressType: 'IPv4', endpoints: [{ addresses: [ips[0]!] }] },
      })
      .then(
        () => undefined,
        (error: unknown) => error as k8s.ApiException<string>,
      );
    expect(refused?.code).toBe(422);
    expect(String(refused?.body)).toMatch(/may not be in the loopback range/);

    await apps.patchNamespacedDeploymentScale(
      { name: 'inference', namespace: ns, body: { spec: { replicas: 1 } } },
      mergePatch,
    );
    const [kept] = await waitFor(
      'one pod left',
      async () => {
        const left = await podsOf('app=inference');
        return left.length === 1 ? left : undefined;
      },
      slowly,
    );
    const removed = pods.find((pod) => pod.metadata?.name !== kept?.metadata?.name)!;
    const removedIp = removed.status!.podIP!;
    expect(await listening(removedIp, 8080)).toBe(false);
    expect(runner.podIp(ns, removed.metadata!.name!)).toBeUndefined();
    expect(await listening(kept!.status!.podIP!, 8080)).toBe(true);
    // It was stopped as a kubelet stops a container: SIGTERM first, and the server drained.
    expect(runner.logs(ns, removed.metadata!.name!)).toMatch(/"msg":"draining".*"signal":"SIGTERM"/);
    await waitFor(
      '1 available replica',
      async () =>
        (await apps.readNamespacedDeployment({ name: 'inference', namespace: ns })).status?.availableReplicas === 1
          ? true
          : undefined,
      slowly,
    );
    expect(await readyEndpoints(kc, ns, 'inference')).toEqual([`${kept!.status!.podIP}:8080`]);
  });

  it('restarts a crashing container with backoff; keeps a container waiting for its Secret', async () => {
    // `serve` without a model to serve exits at once.
    await core.createNamespacedPod({
      namespace: ns,
      body: { metadata: { name: 'crasher' }, spec: { containers: [{ name: 'serve', image, args: ['serve'] }] } },
    });
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'needs-secret' },
        spec: {
          restartPolicy: 'OnFailure',
          containers: [{ name: 'help', image, args: ['--help'], envFrom: [{ secretRef: { name: 'later' } }] }],
        },
      },
    });

    const waiting = await waitFor(
      'CreateContainerConfigError',
      async () => {
        const state = (await core.readNamespacedPod({ name: 'needs-secret', namespace: ns })).status
          ?.containerStatuses?.[0]?.state?.waiting;
        return state?.reason === 'CreateContainerConfigError' ? state : undefined;
      },
      slowly,
    );
    expect(waiting.message).toBe('secret "later" not found');
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'later' }, stringData: { ANSWER: '42' } },
    });
    await waitFor(
      'needs-secret Succeeded',
      async () =>
        (await core.readNamespacedPod({ name: 'needs-secret', namespace: ns })).status?.phase === 'Succeeded'
          ? true
          : undefined,
      slowly,
    );
    expect(runner.logs(ns, 'needs-secret')).toContain('Usage: movie-reco');

    const crashed = await waitFor(
      'two restarts',
      async () => {
        const pod = await core.readNamespacedPod({ name: 'crasher', namespace: ns });
        return (pod.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2 ? pod : undefined;
      },
      slowly,
    );
    expect(crashed.status?.phase).toBe('Running');
    expect(crashed.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode).toBe(1);
    expect(runner.logs(ns, 'crasher')).toMatch(/MOVIE_RECO_MODEL_URI/);
  });

  it('leaves a pod of any other image Pending, with an Event saying why', async () => {
    await core.createNamespacedPod({
      namespace: ns,
      body: { metadata: { name: 'foreign' }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
    });
    const event = await waitFor(
      'the Event',
      async () =>
        (await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=foreign' })).items.find(
          (e) => e.reason === 'NotProjectImage',
        ),
      slowly,
    );
    expect(event.type).toBe('Warning');
    expect(event.message).toMatch(/container "web" uses image "nginx:1\.27"; .*runs only the project's image/);
    await sleep(1000);
    const pod = await core.readNamespacedPod({ name: 'foreign', namespace: ns });
    expect(pod.spec?.nodeName).toBeUndefined();
    expect(pod.status?.phase).toBe('Pending');
  });
});
