import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminKubeConfig, createTestNamespace, kubeconfigPath, type TestNamespace } from '../testenv/fixtures.ts';
import { group, version } from './api/resources.ts';
import { installCrds } from './api/install-crds.ts';
import { countRunsInPhase, trainingRunManifest } from './testing.ts';
import { waitFor } from '../testenv/poll.ts';

const kc = adminKubeConfig();
const entry = fileURLToPath(new URL('./testdata/operator-process.ts', import.meta.url));
const count = 200;

// Time to reconcile and the operator's memory under this burst: npm run bench:operator-scale.

describe(`${count} TrainingRuns created at once`, () => {
  let namespace: TestNamespace;
  beforeAll(async () => {
    await installCrds(kc);
    namespace = await createTestNamespace('scale');
  });
  afterAll(async () => namespace?.delete());

  it('each get exactly one Job and end Pending, reconciled by one operator process', async () => {
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
        '4',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } },
    );
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    try {
      const objects = kc.makeApiClient(k8s.CustomObjectsApi);
      const names = Array.from({ length: count }, (_, i) => `scale-${i}`);
      await Promise.all(
        names.map((name) =>
          objects.createNamespacedCustomObject({
            group,
            version,
            namespace: ns,
            plural: 'trainingruns',
            body: trainingRunManifest(name),
          }),
        ),
      );
      await waitFor('every run Pending', async () => (await countRunsInPhase(kc, ns, 'Pending')) === count, {
        timeoutMs: 120_000,
        intervalMs: 250,
      });
      const jobs = (await kc.makeApiClient(k8s.BatchV1Api).listNamespacedJob({ namespace: ns })).items;
      const runOfJob = jobs.map((job) => job.metadata!.labels!['reco.mlops.dev/training-run']).sort();
      expect(runOfJob, stderr).toEqual([...names].sort());
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }, 180_000);
});
