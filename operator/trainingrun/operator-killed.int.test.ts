import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
      '--lease-duration',
      '2',
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
    // Each replica is killed as soon as it has made progress, so kills land in the middle of the work.
    for (const killAt of [2, 6, 12, 18, 24]) {
      const child = startOperatorProcess(namespace.name);
      child.stderr!.on('data', (chunk) => (stderr += chunk));
      await waitFor(`${killAt} jobs`, async () => (await jobCount()) >= killAt, { timeoutMs: 30_000 }).catch(() => {});
      await sleep(Math.random() * 20);
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    const jobsBeforeFinal = (await batch.listNamespacedJob({ namespace: namespace.name })).items.length;

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
      // The kills must have landed while work was under way, or this test proves nothing.
      expect(jobsBeforeFinal, stderr).toBeGreaterThan(0);
      console.log(`jobs created before the final start: ${jobsBeforeFinal} of ${names.length}`);
    } finally {
      last.kill('SIGTERM');
      await new Promise((resolve) => last.once('exit', resolve));
    }
  });
});
