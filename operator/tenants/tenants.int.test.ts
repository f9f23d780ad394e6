/**
 * Two teams, two namespaces, two databases, the same model and resource names: nothing one team's
 * operator work writes, counts or reads crosses into the other's backend, and neither team's users
 * can touch the other's resources. The operator runs as a ServiceAccount under deploy/rbac, bound in
 * the two watched namespaces only, as the chart binds it for operator.watchNamespaces.
 */
import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/log.ts';
import { openDatabase, type Database } from '../../storage/database.ts';
import { listGateDecisions } from '../../storage/gate-decisions.ts';
import { migrateToLatest } from '../../storage/migrations.ts';
import { listPromotions } from '../../storage/promotions.ts';
import { insertRating } from '../../storage/ratings-table.ts';
import { finishRun, startRun, type RunMetrics } from '../../storage/training-runs.ts';
import {
  adminKubeConfig,
  createTestDatabase,
  createTestNamespace,
  serviceAccountUser,
  type TestDatabase,
  type TestNamespace,
} from '../../testenv/fixtures.ts';
import { waitFor } from '../../testenv/poll.ts';
import { installCrds } from '../api/install-crds.ts';
import { group, version, type ModelRelease, type TrainingRun } from '../api/resources.ts';
import { Operator } from '../manager.ts';
import {
  bindOperatorRoles,
  canI,
  createOrReplace,
  finishTrainerPod,
  getTrainingRun,
  trainingRunManifest,
  trainerMetrics,
} from '../testing.ts';
import { TenantBackends } from './tenant-backends.ts';
import { tenantRecords } from './tenant-records.ts';

const kc = adminKubeConfig();
const objects = kc.makeApiClient(k8s.CustomObjectsApi);
const core = kc.makeApiClient(k8s.CoreV1Api);
const rbacFile = (file: string) =>
  k8s.loadAllYaml(readFileSync(new URL(`../../deploy/rbac/${file}`, import.meta.url), 'utf8')) as k8s.V1ClusterRole[];
const backendSecret = 'movie-reco-backend';
const operatorAccount = 'movie-reco-operator';

interface Tenant {
  namespace: TestNamespace;
  testDb: TestDatabase;
  db: Database;
  /** Differs between the tenants, so that a record tells whose run it came from. */
  metrics: Required<RunMetrics>;
}

describe('two tenants, two backends', () => {
  const tenants: Tenant[] = [];
  let ops: TestNamespace;
  let elsewhere: TestNamespace;
  let operator: Operator;
  let backends: TenantBackends;
  /** Every count of new ratings the operator made: whose release, and whether A's ratings were posted when it began. */
  const counts: { namespace: string; afterRatingsPosted: boolean; count: number }[] = [];
  let ratingsPosted = false;

  beforeAll(async () => {
    await installCrds(kc);
    ops = await createTestNamespace('tenant-ops');
    elsewhere = await createTestNamespace('tenant-c');
    for (const [prefix, ndcg] of [
      ['tenant-a', 0.31],
      ['tenant-b', 0.12],
    ] as const) {
      const namespace = await createTestNamespace(prefix);
      const testDb = await createTestDatabase(prefix.replace('-', '_'));
      const db = await openDatabase(testDb.url);
      await migrateToLatest(db);
      tenants.push({ namespace, testDb, db, metrics: trainerMetrics(ndcg) });
      await core.createNamespacedSecret({
        namespace: namespace.name,
        body: { metadata: { name: backendSecret }, stringData: { MOVIE_RECO_DATABASE_URL: testDb.url } },
      });
    }
    // The same Secret name in the unwatched namespace: the operator may not read it there.
    await core.createNamespacedSecret({
      namespace: elsewhere.name,
      body: { metadata: { name: backendSecret }, stringData: { MOVIE_RECO_DATABASE_URL: tenants[0]!.testDb.url } },
    });

    // The operator's roles as shipped, bound in the two watched namespaces only.
    const watched = tenants.map((t) => t.namespace.name);
    await bindOperatorRoles(kc, { namespace: ops.name, name: operatorAccount }, watched);
    const user = await serviceAccountUser(ops.name, operatorAccount);
    const log = createLogger({ test: 'tenants' }, { level: 'warn' });
    backends = new TenantBackends({ kc: user.kubeConfig, log });
    const records = tenantRecords(backends);
    operator = new Operator({
      kc: user.kubeConfig,
      log,
      namespaces: watched,
      trainerImage: 'movie-reco:test',
      resyncMs: 500,
      ratingsPollMs: 200,
      ...records,
      newRatingsSince: async (mark, release) => {
        const afterRatingsPosted = ratingsPosted;
        const count = await records.newRatingsSince(mark, release);
        counts.push({ namespace: release.metadata.namespace!, afterRatingsPosted, count });
        return count;
      },
    });
    await operator.start();
  });
  afterAll(async () => {
    await operator?.stop();
    await backends?.close();
    for (const tenant of tenants) {
      await tenant.db.close();
      await tenant.testDb.drop();
      await tenant.namespace.delete();
    }
    await ops?.delete();
    await elsewhere?.delete();
  });

  const create = (namespace: string, plural: string, body: object) =>
    objects.createNamespacedCustomObject({ group, version, namespace, plural, body });
  const runNames = async (namespace: string) =>
    (
      (await objects.listNamespacedCustomObject({ group, version, namespace, plural: 'trainingruns' })) as {
        items: TrainingRun[];
      }
    ).items
      .map((run) => run.metadata.name)
      .sort();

  /** A run the trainer finished: its record in the tenant's database, then its pod's termination message. */
  async function finishedRun(tenant: Tenant, name: string, model: string, message: (runId: string) => string) {
    const ns = tenant.namespace.name;
    await create(ns, 'trainingruns', trainingRunManifest(name, { model, backendSecretRef: { name: backendSecret } }));
    await waitFor(
      `${ns}/${name} Pending`,
      async () => (await getTrainingRun(kc, ns, name)).status?.phase === 'Pending',
    );
    const runId = `${ns}/${name}`;
    const artifact = { uri: `s3://models/${model}/${runId}`, digest: `sha256:${ns}-${name}`, sizeBytes: 10 };
    await startRun(tenant.db, { runId, model, params: {} });
    await finishRun(tenant.db, runId, { status: 'Succeeded', metrics: tenant.metrics, artifact });
    await finishTrainerPod(kc, ns, `${name}-train`, { succeeded: true, message: message(runId) });
    await waitFor(`${runId} Succeeded`, async () => (await getTrainingRun(kc, ns, name)).status?.phase === 'Succeeded');
    return runId;
  }

  it("keeps promotions, gate decisions, rating counts and run records in each namespace's own backend", async () => {
    const [a, b] = tenants as [Tenant, Tenant];
    for (const tenant of tenants) {
      await finishedRun(tenant, 'first', 'movielens', (runId) =>
        JSON.stringify({
          runId,
          model: 'movielens',
          phase: 'Succeeded',
          dataset: { ratings: 1000, users: 10, movies: 50 },
          metrics: tenant.metrics,
          artifact: { uri: `s3://models/movielens/${runId}`, digest: `sha256:${runId}`, sizeBytes: 10 },
        }),
      );
      const release = { backendSecretRef: { name: backendSecret } };
      await create(tenant.namespace.name, 'modelreleases', {
        apiVersion: `${group}/${version}`,
        kind: 'ModelRelease',
        metadata: { name: 'movielens' },
        spec: { model: 'movielens', serving: release, retrain: { minNewRatings: 5, template: release } },
      });
    }

    // Each release promoted its own run and recorded it in its own database only.
    for (const tenant of tenants) {
      const ns = tenant.namespace.name;
      await waitFor(`${ns} promotion recorded`, async () => (await listPromotions(tenant.db, 'movielens')).length > 0);
      const promotions = await listPromotions(tenant.db, 'movielens');
      expect(promotions.map((p) => [p.runId, p.metricValue])).toEqual([[`${ns}/first`, tenant.metrics.ndcgAt10]]);
      await waitFor(
        `${ns} gate decision recorded`,
        async () => (await listGateDecisions(tenant.db, 'movielens')).length > 0,
      );
      const decisions = await listGateDecisions(tenant.db, 'movielens');
      expect(decisions.map((d) => [d.runId, d.outcome])).toEqual([[`${ns}/first`, 'Promoted']]);
      const release = (await objects.getNamespacedCustomObject({
        group,
        version,
        namespace: ns,
        plural: 'modelreleases',
        name: 'movielens',
      })) as ModelRelease;
      expect(release.status?.champion?.run).toBe('first');
    }

    // Five ratings posted into team A's database: A retrains, B's count stays 0.
    for (let movieId = 1; movieId <= 5; movieId++) await insertRating(a.db, { userId: 1, movieId, rating: 4 });
    ratingsPosted = true;
    await waitFor('team A retrains on its new ratings', async () =>
      (await runNames(a.namespace.name)).includes('movielens-1'),
    );
    await waitFor('team B counted its new ratings after A got its own', async () =>
      counts.some((c) => c.namespace === b.namespace.name && c.afterRatingsPosted),
    );
    // A count may see the fifth rating before the flag is set: A's fives are counted whenever they began.
    expect(counts.filter((c) => c.namespace === a.namespace.name).map((c) => c.count)).toContain(5);
    expect(new Set(counts.filter((c) => c.namespace === b.namespace.name).map((c) => c.count))).toEqual(new Set([0]));
    expect(await runNames(b.namespace.name)).toEqual(['first']);

    // A run whose termination message was lost is completed from its own namespace's database: a
    // record of the same run id in team B's database (as if B's trainer had written it) is not read.
    await startRun(b.db, { runId: `${a.namespace.name}/lost`, model: 'other', params: {} });
    await finishRun(b.db, `${a.namespace.name}/lost`, { status: 'Succeeded', metrics: trainerMetrics(0.99) });
    await finishedRun(a, 'lost', 'other', () => '');
    expect((await getTrainingRun(kc, a.namespace.name, 'lost')).status?.metrics?.ndcgAt10).toBe(a.metrics.ndcgAt10);

    // Nothing of A's reached B's tables, nor B's A's.
    for (const [tenant, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const foreign = `${other.namespace.name}/`;
      const promotions = await listPromotions(tenant.db, 'movielens');
      const decisions = await listGateDecisions(tenant.db, 'movielens');
      expect(promotions.filter((p) => p.runId.startsWith(foreign))).toEqual([]);
      expect(decisions.filter((d) => d.runId.startsWith(foreign) || d.championRunId?.startsWith(foreign))).toEqual([]);
    }
  });

  it("lets neither team's editors nor the operator reach what is not theirs (kubectl auth can-i)", async () => {
    const [a, b] = tenants.map((t) => t.namespace.name) as [string, string];
    const editorRole = rbacFile('user-clusterroles.yaml').find((role) => role.metadata?.name === 'movie-reco-editor')!;
    await createOrReplace(kc, editorRole);
    const editor = { namespace: a, name: 'editor' };
    await core.createNamespacedServiceAccount({ namespace: a, body: { metadata: { name: editor.name } } });
    await createOrReplace(kc, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'editor', namespace: a },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'movie-reco-editor' },
      subjects: [{ kind: 'ServiceAccount', ...editor }],
    } as k8s.KubernetesObject);

    for (const resource of ['trainingruns.reco.mlops.dev', 'modelreleases.reco.mlops.dev']) {
      for (const verb of ['get', 'list', 'create', 'patch', 'delete'])
        expect(canI(editor, verb, resource, a), `${verb} ${resource} in A`).toBe(true);
      for (const verb of ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'])
        expect(canI(editor, verb, resource, b), `${verb} ${resource} in B`).toBe(false);
    }
    expect(canI(editor, 'get', `secrets/${backendSecret}`, b)).toBe(false);
    expect(canI(editor, 'get', `secrets/${backendSecret}`, a)).toBe(false);

    // The operator reads a backend Secret by name in the namespaces it watches, and nowhere else.
    const operatorAs = { namespace: ops.name, name: operatorAccount };
    expect(canI(operatorAs, 'get', `secrets/${backendSecret}`, a)).toBe(true);
    expect(canI(operatorAs, 'get', `secrets/${backendSecret}`, elsewhere.name)).toBe(false);
    expect(canI(operatorAs, 'list', 'secrets', a)).toBe(false);
    expect(canI(operatorAs, 'list', 'trainingruns.reco.mlops.dev', elsewhere.name)).toBe(false);
  });
});
