/**
 * npm run bench:operator-scale [-- COUNT]: COUNT TrainingRuns (default 200) created at once against
 * a private kube-apiserver (testenv), reconciled by `movie-reco operator` as a process with 4
 * workers and the Deployment's NODE_OPTIONS (BENCH_OPERATOR_NODE_OPTIONS to try others). Reports
 * the time until every run is Pending with its Job, the create -> Job latency per run (p50, p99,
 * max) and the operator's peak resident memory; writes bench/results/operator-scale-<date>.json.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { createLogger } from '../common/log.ts';
import { installCrds } from '../operator/api/install-crds.ts';
import { group, version } from '../operator/api/resources.ts';
import { countRunsInPhase, trainingRunManifest } from '../operator/testing.ts';
import { startTestEnvironment } from '../testenv/environment.ts';
import { waitFor } from '../testenv/poll.ts';
import { freePort, loopback } from '../testenv/ports.ts';
import { saveBenchResult } from './save-result.ts';

const count = Number(process.argv[2] ?? 200);
const workers = '4';
const nodeOptions = process.env.BENCH_OPERATOR_NODE_OPTIONS ?? '--max-semi-space-size=2';
const operatorEntry = join(import.meta.dirname, '../operator/testdata/operator-process.ts');

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const memoryMb = (pid: number, field: 'VmHWM' | 'VmRSS') =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

const environment = await startTestEnvironment({ log: createLogger({ component: 'testenv' }, { level: 'warn' }) });
try {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(environment.env.MOVIE_RECO_TEST_KUBECONFIG!);
  await installCrds(kc);
  const namespace = 'bench-scale';
  await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });

  const port = await freePort();
  const operator = spawn(
    process.execPath,
    [
      operatorEntry,
      ...['--kubeconfig', environment.env.MOVIE_RECO_TEST_KUBECONFIG!, '--namespace', namespace],
      ...['--trainer-image', 'movie-reco:bench', '--probe-host', loopback, '--probe-port', String(port)],
      ...['--leader-elect', 'false', '--workers', workers],
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, LOG_LEVEL: 'warn', NODE_OPTIONS: nodeOptions } },
  );
  try {
    // Measure the reconciles, not node's start-up: wait until the operator's caches are synced.
    await waitFor('the operator ready', async () => (await fetch(`http://${loopback}:${port}/readyz`)).ok);
    const idleRssMb = memoryMb(operator.pid!, 'VmRSS');

    const jobSeen = new Map<string, number>();
    const jobs = k8s.makeInformer(kc, `/apis/batch/v1/namespaces/${namespace}/jobs`, () =>
      kc.makeApiClient(k8s.BatchV1Api).listNamespacedJob({ namespace }),
    );
    jobs.on(k8s.ADD, (job) => jobSeen.set(job.metadata!.labels!['reco.mlops.dev/training-run']!, performance.now()));
    await jobs.start();

    const objects = kc.makeApiClient(k8s.CustomObjectsApi);
    const created = new Map<string, number>();
    const start = performance.now();
    await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const name = `scale-${i}`;
        await objects.createNamespacedCustomObject({
          group,
          version,
          namespace,
          plural: 'trainingruns',
          body: trainingRunManifest(name),
        });
        created.set(name, performance.now());
      }),
    );
    await waitFor('every run Pending', async () => (await countRunsInPhase(kc, namespace, 'Pending')) === count, {
      timeoutMs: 600_000,
      intervalMs: 100,
    });
    const allPendingSeconds = (performance.now() - start) / 1000;
    await jobs.stop();

    const latencies = [...created].map(([name, at]) => (jobSeen.get(name) ?? Infinity) - at).sort((a, b) => a - b);
    const result = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: (await import('node:os')).cpus().length,
      runs: count,
      workers: Number(workers),
      nodeOptions,
      allPendingSeconds,
      createToJobMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) },
      operatorPeakRssMb: memoryMb(operator.pid!, 'VmHWM'),
      operatorIdleRssMb: idleRssMb,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    await saveBenchResult('operator-scale', result);
  } finally {
    operator.kill('SIGTERM');
    await new Promise((resolve) => operator.once('exit', resolve));
  }
} finally {
  await environment.stop();
}
