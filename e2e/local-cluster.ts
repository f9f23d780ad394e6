/**
 * One namespace of the local control plane set up the way a platform engineer would: CRDs, the
 * backend and auth Secrets, a database and a bucket of its own, the operator running as a process,
 * and the pod runner playing kubelet for the project's image.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { apiVersion, group, version, type ModelRelease, type TrainingRun } from '../operator/api/resources.ts';
import { installCrds } from '../operator/api/install-crds.ts';
import { movielensDir } from '../data/test-files.ts';
import {
  createTestBucket,
  createTestDatabase,
  kubeconfigPath,
  s3Coordinates,
  type TestBucket,
  type TestDatabase,
} from '../testenv/fixtures.ts';
import { readyEndpoints, startPodRunner, type PodRunner } from '../testenv/pod-runner.ts';
import { waitFor } from '../testenv/poll.ts';
import { startOperator, type OperatorProcess } from './operator-process.ts';
import { releaseArtifactFinalizers } from '../operator/testing.ts';

const run = promisify(execFile);
const repo = join(import.meta.dirname, '..');

export const image = 'movie-reco:e2e';
export const backendSecret = 'movie-reco-backend';
export const authSecret = 'movielens-inference-auth';
export const reader = 'Bearer e2e-reader';
export const writer = 'Bearer e2e-writer';

/** A TrainingRun of model movielens on the backend Secret; the trainer's defaults unless `algorithm` says otherwise. */
export function trainingRunManifest(name: string, algorithm?: object): object {
  return {
    apiVersion,
    kind: 'TrainingRun',
    metadata: { name },
    spec: { model: 'movielens', ...(algorithm ? { algorithm } : {}), backendSecretRef: { name: backendSecret } },
  };
}

export interface LocalCluster {
  readonly kc: k8s.KubeConfig;
  readonly namespace: string;
  readonly database: TestDatabase;
  readonly bucket: TestBucket;
  readonly runner: PodRunner;
  readonly dir: string;
  operator: OperatorProcess;
  restartOperator(): Promise<OperatorProcess>;
  kubectl(args: string[], stdin?: string): Promise<string>;
  apply(manifest: object): Promise<void>;
  release(name: string): Promise<ModelRelease>;
  trainingRun(name: string): Promise<TrainingRun>;
  /** Waits until a pod of the run's trainer Job is Running. */
  trainerRunning(run: string): Promise<void>;
  /** Waits for the run to succeed; a Failed run's message ends up in the timeout's error. */
  succeededRun(name: string, timeoutMs?: number): Promise<TrainingRun>;
  trainingRuns(): Promise<TrainingRun[]>;
  /**
   * The release's champion is `run`, `replicas` pods are ready, and every ready endpoint answers
   * with that run's model: the endpoints, else false.
   */
  servingRun(release: string, run: string, replicas: number): Promise<string[] | false>;
  /** The ready endpoints of the release's Service whose replica answers /v1/model with `run`. */
  endpointsServing(release: string, run: string): Promise<string[]>;
  /** `movie-reco data load` of ml-latest-small in `batches` time-ordered batches, only `only`. */
  loadRatings(batches: number, only: string): Promise<{ ratings: number }>;
  close(): Promise<void>;
}

export interface LocalClusterOptions {
  readonly prefix: string;
  /** A control plane of the test's own (default: the e2e run's shared one). */
  readonly kubeconfig?: string;
  readonly ratingsPollSeconds?: number;
  readonly leaseDurationSeconds?: number;
}

export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const kubeconfig = options.kubeconfig ?? kubeconfigPath();
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  const dir = mkdtempSync(join(tmpdir(), `movie-reco-${options.prefix}-`));
  await installCrds(kc);
  const namespace = `${options.prefix}-${randomBytes(3).toString('hex')}`;
  const core = kc.makeApiClient(k8s.CoreV1Api);
  // Pod Security "restricted", as the chart's namespace: the operator's pods must be admitted there.
  await core.createNamespace({
    body: { metadata: { name: namespace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } },
  });
  const database = await createTestDatabase(options.prefix.replace(/-/g, '_'));
  const bucket = await createTestBucket(options.prefix);
  const s3 = s3Coordinates();
  await core.createNamespacedSecret({
    namespace,
    body: {
      metadata: { name: backendSecret },
      stringData: {
        MOVIE_RECO_DATABASE_URL: database.url,
        MOVIE_RECO_ARTIFACT_STORE: `s3://${bucket.name}/models`,
        MOVIE_RECO_S3_ENDPOINT: s3.endpoint,
        MOVIE_RECO_S3_ACCESS_KEY: s3.accessKey,
        MOVIE_RECO_S3_SECRET_KEY: s3.secretKey,
      },
    },
  });
  await core.createNamespacedSecret({
    namespace,
    body: {
      metadata: { name: authSecret },
      stringData: { MOVIE_RECO_AUTH_READ: 'bearer:e2e-reader', MOVIE_RECO_AUTH_WRITE: 'bearer:e2e-writer' },
    },
  });

  const runner = await startPodRunner({
    kubeConfig: kc,
    nodeName: `${options.prefix}-node`,
    logDir: join(dir, 'pods'),
  });
  const operatorOptions = {
    kubeconfig,
    namespace,
    image,
    databaseUrl: database.url,
    logFile: join(dir, 'operator.log'),
    ...(options.ratingsPollSeconds ? { ratingsPollSeconds: options.ratingsPollSeconds } : {}),
    ...(options.leaseDurationSeconds ? { leaseDurationSeconds: options.leaseDurationSeconds } : {}),
  };
  const objects = kc.makeApiClient(k8s.CustomObjectsApi);
  const get = <T>(plural: string, name: string) =>
    objects.getNamespacedCustomObject({ group, version, namespace, plural, name }) as Promise<T>;

  const cluster: LocalCluster = {
    kc,
    namespace,
    database,
    bucket,
    runner,
    dir,
    operator: await startOperator(operatorOptions),
    async restartOperator() {
      cluster.operator = await startOperator(operatorOptions);
      return cluster.operator;
    },
    async kubectl(args, stdin) {
      const child = run('kubectl', ['--kubeconfig', kubeconfig, '-n', namespace, ...args], { maxBuffer: 16 << 20 });
      if (stdin !== undefined) child.child.stdin!.end(stdin);
      return (await child).stdout;
    },
    async apply(manifest) {
      await cluster.kubectl(['apply', '-f', '-'], JSON.stringify(manifest));
    },
    release: (name) => get<ModelRelease>('modelreleases', name),
    trainingRun: (name) => get<TrainingRun>('trainingruns', name),
    async trainerRunning(run) {
      await waitFor(
        `the trainer pod of ${run} running`,
        async () =>
          (await core.listNamespacedPod({ namespace, labelSelector: `job-name=${run}-train` })).items.some(
            (pod) => pod.status?.phase === 'Running',
          ),
        { timeoutMs: 120_000 },
      );
    },
    succeededRun: (name, timeoutMs = 120_000) =>
      waitFor(
        `${name} to succeed`,
        async () => {
          const run = await cluster.trainingRun(name);
          if (run.status?.phase === 'Failed') throw new Error(`the run failed: ${run.status.message}`);
          return run.status?.phase === 'Succeeded' && run;
        },
        { timeoutMs },
      ),
    async trainingRuns() {
      const list = (await objects.listNamespacedCustomObject({
        group,
        version,
        namespace,
        plural: 'trainingruns',
      })) as { items: TrainingRun[] };
      return list.items;
    },
    async servingRun(release, run, replicas) {
      const current = await cluster.release(release);
      if (current.status?.champion?.run !== run || current.status.serving?.readyReplicas !== replicas) return false;
      const ready = await readyEndpoints(kc, namespace, `${release}-inference`);
      const serving = await cluster.endpointsServing(release, run);
      return ready.length === replicas && serving.length === replicas && serving;
    },
    async endpointsServing(release, run) {
      const endpoints = await readyEndpoints(kc, namespace, `${release}-inference`);
      const runs = await Promise.all(
        endpoints.map((endpoint) =>
          fetch(`http://${endpoint}/v1/model`, { headers: { authorization: reader } })
            .then((response) => response.json() as Promise<{ run?: string }>)
            .then(
              (body) => body.run,
              () => undefined,
            ),
        ),
      );
      return endpoints.filter((_, k) => runs[k] === `${namespace}/${run}`);
    },
    async loadRatings(batches, only) {
      const { stdout } = await run(process.execPath, [
        join(repo, 'bin/movie-reco.js'),
        'data',
        'load',
        '--database',
        database.url,
        '--dataset',
        join(movielensDir(), 'ml-latest-small'),
        '--batches',
        String(batches),
        '--only',
        only,
      ]);
      const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as { ratings: number };
      return { ratings: summary.ratings };
    },
    async close() {
      await cluster.operator.stop().catch(() => {});
      await runner.stop();
      // With the operator stopped, nothing would clear the runs' artifact finalizers.
      await releaseArtifactFinalizers(kc, namespace);
      await core.deleteNamespace({ name: namespace }).catch(() => {});
      await database.drop().catch(() => {});
      await bucket.remove().catch(() => {});
      // The logs of operator, pods and Prometheus: MOVIE_RECO_E2E_KEEP=1 keeps them for a post-mortem.
      if (process.env.MOVIE_RECO_E2E_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}
