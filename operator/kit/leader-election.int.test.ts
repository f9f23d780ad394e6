import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/log.ts';
import { adminKubeConfig, createTestNamespace, type TestNamespace } from '../../testenv/fixtures.ts';
import { group, version } from '../api/resources.ts';
import { installCrds } from '../api/install-crds.ts';
import { Operator } from '../manager.ts';
import { trainingRunManifest } from '../testing.ts';
import { waitFor } from '../../testenv/poll.ts';

const kc = adminKubeConfig();
const log = createLogger({ test: 'leader-election' }, { level: 'warn' });

describe('two operator replicas and one Lease', () => {
  let namespace: TestNamespace;
  beforeAll(async () => {
    await installCrds(kc);
    namespace = await createTestNamespace('leader');
  });
  afterAll(async () => namespace?.delete());

  it('lets only the holder act, hands over on release, and exposes metrics and probes', async () => {
    const replica = (identity: string) =>
      new Operator({
        kc,
        log,
        namespace: namespace.name,
        trainerImage: 'movie-reco:test',
        probePort: 0,
        probeHost: '127.0.0.1',
        // client-go's default lease: a short one can lapse on a busy machine before the test is done
        // with its holder; handing over on release() is immediate whatever its length.
        leaderElection: { namespace: namespace.name, identity, leaseDurationSeconds: 15 },
        onLeadershipLost: () => {},
      });
    const first = replica('replica-a');
    const second = replica('replica-b');
    await first.start();
    const secondStarted = second.start();
    try {
      expect(first.leading).toBe(true);
      const lease = await kc
        .makeApiClient(k8s.CoordinationV1Api)
        .readNamespacedLease({ namespace: namespace.name, name: 'movie-reco-operator' });
      expect(lease.spec?.holderIdentity).toBe('replica-a');

      const objects = kc.makeApiClient(k8s.CustomObjectsApi);
      await objects.createNamespacedCustomObject({
        group,
        version,
        namespace: namespace.name,
        plural: 'trainingruns',
        body: trainingRunManifest('under-a'),
      });
      const batch = kc.makeApiClient(k8s.BatchV1Api);
      await waitFor(
        'job made by the leader',
        async () => (await batch.listNamespacedJob({ namespace: namespace.name })).items.length === 1,
      );

      const get = (operator: Operator, path: string) => fetch(`http://127.0.0.1:${operator.probePort}${path}`);
      expect((await get(first, '/healthz')).status).toBe(200);
      expect((await get(first, '/readyz')).status).toBe(200);
      expect((await get(second, '/readyz')).status).toBe(200);
      // The Job exists before the reconcile that made it has finished (and counted itself).
      const pendingRun = new RegExp(
        `movie_reco_training_runs\\{namespace="${namespace.name}",model="movielens",phase="Pending"\\} 1`,
      );
      const metrics = await waitFor(
        "a finished reconcile, an empty queue and the run counted as Pending in the leader's metrics",
        async () => {
          const text = await (await get(first, '/metrics')).text();
          const settled =
            /controller_runtime_reconcile_total\{controller="trainingrun",result="success"\} [1-9]/.test(text) &&
            /workqueue_depth\{name="trainingrun",controller="trainingrun"\} 0/.test(text) &&
            pendingRun.test(text);
          return settled && text;
        },
      );
      expect(metrics).toMatch(/controller_runtime_reconcile_total\{controller="trainingrun",result="success"\} [1-9]/);
      expect(metrics).toMatch(/workqueue_adds_total\{name="trainingrun",controller="trainingrun"\} [1-9]/);
      expect(metrics).toMatch(/workqueue_depth\{name="trainingrun",controller="trainingrun"\} 0/);
      expect(metrics).toMatch(/controller_runtime_reconcile_time_seconds_bucket/);
      expect(metrics).toMatch(/leader_election_master_status\{name="movie-reco-operator"\} 1/);
      expect(metrics).toMatch(pendingRun);
      // The standby made nothing: no key queued, no reconcile, while the leader made the Job.
      const standby = await (await get(second, '/metrics')).text();
      expect(second.leading).toBe(false);
      expect(standby).toMatch(/leader_election_master_status\{name="movie-reco-operator"\} 0/);
      expect(standby).not.toMatch(/workqueue_adds_total\{name="trainingrun",controller="trainingrun"\} [1-9]/);
      expect(standby).not.toMatch(/controller_runtime_reconcile_total\{controller="trainingrun",[^}]*\} [1-9]/);

      await first.stop();
      await secondStarted;
      expect(second.leading).toBe(true);
      const handedOver = await kc
        .makeApiClient(k8s.CoordinationV1Api)
        .readNamespacedLease({ namespace: namespace.name, name: 'movie-reco-operator' });
      expect(handedOver.spec?.holderIdentity).toBe('replica-b');
      await objects.createNamespacedCustomObject({
        group,
        version,
        namespace: namespace.name,
        plural: 'trainingruns',
        body: trainingRunManifest('under-b'),
      });
      await waitFor(
        'job made by the new leader',
        async () => (await batch.listNamespacedJob({ namespace: namespace.name })).items.length === 2,
      );
      // Now the new leader reconciles (both runs, its caches synced from scratch).
      await waitFor('reconciles counted by the new leader', async () =>
        /controller_runtime_reconcile_total\{controller="trainingrun",result="success"\} [1-9]/.test(
          await (await get(second, '/metrics')).text(),
        ),
      );
    } finally {
      await first.stop().catch(() => {});
      await second.stop();
      await secondStarted;
    }
  });
});
