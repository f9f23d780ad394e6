import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminKubeConfig, createTestNamespace, kubeconfigPath, type TestNamespace } from '../testenv/fixtures.ts';
import { group, version } from './api/resources.ts';
import { installCrds } from './api/install-crds.ts';
import { trainingRunManifest } from './testing.ts';
import { waitFor } from '../testenv/poll.ts';

const kc = adminKubeConfig();
const entry = fileURLToPath(new URL('./testdata/operator-process.ts', import.meta.url));
const count = 200;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const peakRssMb = (pid: number) =>
  Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

describe(`${count} TrainingRuns created at once`, () => {
  let namespace: TestNamespace;
  beforeAll(async () => {
    await installCrds(kc);
    namespace = await createTestNamespace('scale');
  });
  afterAll(async () => namespace?.delete());

  it('are all reconciled within 60 s by an operator process under 200 MB resident', async () => {
    const ns = namespace.name;
    const child = spawn(
      process.execPath,
      [
        entry,
        '--kubeconfig',
        kubeconfigPath(),
        '--namespace',
        ns,
        '--trainer-image',
        'movie-reco:test',
        '--probe-port',
        '0',
        '--leader-elect',
        'false',
        '--workers',
        process.env.SCALE_WORKERS ?? '4',
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        // The operator's Deployment runs node with a small young generation: V8's default semi-space
        // alone adds ~50 MB of resident memory under a burst (measured: 216 MB peak vs 161 MB).
        env: {
          ...process.env,
          LOG_LEVEL: 'warn',
          NODE_OPTIONS: process.env.SCALE_NODE_OPTIONS ?? '--max-semi-space-size=2',
        },
      },
    );
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    try {
      // Watch Jobs from the test to time each one on the same clock as its run's creation.
      const jobSeen = new Map<string, number>();
      const jobs = k8s.makeInformer(kc, `/apis/batch/v1/namespaces/${ns}/jobs`, () =>
        kc.makeApiClient(k8s.BatchV1Api).listNamespacedJob({ namespace: ns }),
      );
      jobs.on(k8s.ADD, (job) => jobSeen.set(job.metadata!.labels!['reco.mlops.dev/training-run']!, performance.now()));
      await jobs.start();
      // Let the operator start and sync first, so that the measure is the reconcile, not node's start-up.
      await new Promise((resolve) => setTimeout(resolve, 3000));

      const idleRss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024;
      const objects = kc.makeApiClient(k8s.CustomObjectsApi);
      const created = new Map<string, number>();
      const start = performance.now();
      await Promise.all(
        Array.from({ length: count }, async (_, i) => {
          const name = `scale-${i}`;
          await objects.createNamespacedCustomObject({
            group,
            version,
            namespace: ns,
            plural: 'trainingruns',
            body: trainingRunManifest(name),
          });
          created.set(name, performance.now());
        }),
      );
      await waitFor(
        'every run Pending',
        async () => {
          const list = (await objects.listNamespacedCustomObject({
            group,
            version,
            namespace: ns,
            plural: 'trainingruns',
          })) as { items: { status?: { phase?: string } }[] };
          return list.items.filter((run) => run.status?.phase === 'Pending').length === count;
        },
        { timeoutMs: 60_000 },
      );
      const allDone = (performance.now() - start) / 1000;
      await jobs.stop();

      const latencies = [...created].map(([name, at]) => (jobSeen.get(name) ?? Infinity) - at).sort((a, b) => a - b);
      const rss = peakRssMb(child.pid!);
      const jobCount = (await kc.makeApiClient(k8s.BatchV1Api).listNamespacedJob({ namespace: ns })).items.length;
      console.log(
        `${count} runs: all Pending with a Job after ${allDone.toFixed(1)} s; create->Job p50 ${percentile(latencies, 50).toFixed(0)} ms, ` +
          `p99 ${percentile(latencies, 99).toFixed(0)} ms, max ${latencies.at(-1)!.toFixed(0)} ms; operator peak RSS ${rss.toFixed(0)} MB (${idleRss.toFixed(0)} MB idle before the runs)`,
      );
      expect(jobCount).toBe(count);
      expect(allDone).toBeLessThan(60);
      expect(rss, stderr).toBeLessThan(200);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
});
