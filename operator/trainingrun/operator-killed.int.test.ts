import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { adminKubeConfig, createTestNamespace, kubeconfigPath, type TestNamespace } from '../../testenv/fixtures.ts';
import { group, version } from '../api/resources.ts';
import { installCrds } from '../api/install-crds.ts';
import { getTrainingRun, trainingRunManifest } from '../testing.ts';
import { waitFor } from '../../testenv/poll.ts';

const entry = fileURLToPath(new URL('../testdata/operator-process.ts', import.meta.url));
const kc = adminKubeConfig();

function startOperatorProcess(namespace: string): ChildProcess {
  return spawn(
    process.execPath,
    [
      entry,
      '--kubeconfig',
      kubeconfigPath(),
      '--namespace',
      namespace,
      '--trainer-image',
      'movie-reco:test',
      '--probe-port',
      '0',
      '--probe-host',
      '127.0.0.1',
      // Each new replica waits out its killed predecessor's lease; long enough to be renewed on a busy machine.
      '--lease-duration',
      '5',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } },
  );
}

describe('the operator process killed with SIGKILL at arbitrary points', () => {
  let namespace: TestNamespace;
  beforeAll(async () => {
    await installCrds(kc);
    namespace = await createTestNamespace('killed');
  });
  afterAll(async () => namespace?.delete());

  it('still ends with exactly one Job per TrainingRun', async () => {
    const objects = kc.makeApiClient(k8s.CustomObjectsApi);
    const batch = kc.makeApiClient(k8s.BatchV1Api);
    const names = Array.from({ length: 30 }, (_, i) => `killed-${i}`);
    await Promise.all(
      names.map((name) =>
        objects.createNamespacedCustomObject({
          group,
          version,
          namespace: namespace.name,
          plural: 'trainingruns',
          body: trainingRunManifest(name),
        }),
      ),
    );

    let stderr = '';
    const jobCount = async () => (await batch.listNamespacedJob({ namespace: namespace.name })).items.length;
    // Jobs as the watch delivers them, so that a replica is killed the moment it has made its progress.
    const jobsSeen = new Set<string>();
    const jobs = k8s.makeInformer(kc, `/apis/batch/v1/namespaces/${namespace.name}/jobs`, () =>
      batch.listNamespacedJob({ namespace: namespace.name }),
    );
    jobs.on(k8s.ADD, (job) => jobsSeen.add(job.metadata!.name!));
    await jobs.start();
    onTestFinished(() => jobs.stop());

    // Each replica is killed as soon as it has made 1 to 3 Jobs of its own: in the middle of the work.
    const kills: { replica: number; jobsBefore: number; jobsAfter: number }[] = [];
    for (const [replica, progress] of [1, 1, 2, 2, 3].entries()) {
      const jobsBefore = await jobCount();
      const child = startOperatorProcess(namespace.name);
      child.stderr!.on('data', (chunk) => (stderr += chunk));
      await waitFor(
        `replica ${replica} to make ${progress} more Job(s)`,
        () => jobsSeen.size >= jobsBefore + progress,
        { timeoutMs: 90_000, intervalMs: 5 },
      );
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      kills.push({ replica, jobsBefore, jobsAfter: await jobCount() });
    }

    const last = startOperatorProcess(namespace.name);
    last.stderr!.on('data', (chunk) => (stderr += chunk));
    try {
      for (const name of names)
        await waitFor(
          `${name} Pending`,
          async () => (await getTrainingRun(kc, namespace.name, name)).status?.phase === 'Pending',
          { timeoutMs: 30_000 },
        );
      const jobs = (await batch.listNamespacedJob({ namespace: namespace.name })).items;
      const perRun = new Map<string, number>();
      for (const job of jobs) {
        const run = job.metadata?.labels?.['reco.mlops.dev/training-run'] ?? '?';
        perRun.set(run, (perRun.get(run) ?? 0) + 1);
      }
      expect(jobs).toHaveLength(names.length);
      expect([...perRun.values()].every((count) => count === 1)).toBe(true);
      // Every kill landed while work was under way (the replica had made Jobs and left runs
      // without one), or this test proves nothing.
      const midWork = kills.filter((kill) => kill.jobsAfter > kill.jobsBefore && kill.jobsAfter < names.length);
      expect(midWork, `${JSON.stringify(kills)}\n${stderr}`).toEqual(kills);
      console.log(`jobs after each kill: ${kills.map((kill) => kill.jobsAfter).join(', ')} of ${names.length}`);
    } finally {
      last.kill('SIGTERM');
      await new Promise((resolve) => last.once('exit', resolve));
    }
    // Six operator processes one after another, each waiting for the lease: minutes on a busy machine.
  }, 240_000);
});
