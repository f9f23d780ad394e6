import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminKubeConfig, createTestNamespace, kubeconfigPath, type TestNamespace } from '../../testenv/fixtures.ts';
import { installCrds } from './install-crds.ts';

function kubectl(args: string[], input?: object): { code: number; out: string } {
  const result = spawnSync('kubectl', ['--kubeconfig', kubeconfigPath(), ...args], { input: input ? JSON.stringify(input) : undefined, encoding: 'utf8' });
  return { code: result.status ?? -1, out: `${result.stdout}${result.stderr}` };
}

const apiVersion = 'reco.mlops.dev/v1alpha1';
const run = (name: string, spec: object) => ({ apiVersion, kind: 'TrainingRun', metadata: { name }, spec: { model: 'movielens', backendSecretRef: { name: 'backend' }, ...spec } });
const release = (name: string, spec: object) => ({ apiVersion, kind: 'ModelRelease', metadata: { name }, spec: { model: 'movielens', ...spec } });

describe('CRD validation by the API server', () => {
  let namespace: TestNamespace;
  const apply = (object: object) => kubectl(['apply', '-n', namespace.name, '-f', '-'], object);

  beforeAll(async () => {
    await installCrds(adminKubeConfig());
    namespace = await createTestNamespace('crd-validation');
  });
  afterAll(async () => namespace?.delete());

  it('accepts valid resources and fills in the documented defaults', () => {
    expect(apply(run('valid-run', { algorithm: { factors: 64 } })).code).toBe(0);
    expect(apply(release('valid-release', { serving: { autoscaling: { maxReplicas: 3 } }, retrain: { schedule: '0 3 * * MON', template: { backendSecretRef: { name: 'backend' } } } })).code).toBe(0);
    const created = JSON.parse(kubectl(['get', '-n', namespace.name, 'tr/valid-run', 'mrel/valid-release', '-o', 'json']).out).items;
    expect(created[0].spec).toMatchObject({ algorithm: { name: 'blend', factors: 64, seed: 42 }, evaluation: { testFraction: 0.2 }, backoffLimit: 1, activeDeadlineSeconds: 3600 });
    expect(created[1].spec).toMatchObject({ promotion: { metric: 'ndcgAt10', minImprovement: 0 }, serving: { autoscaling: { minReplicas: 1, targetCPUUtilizationPercentage: 70 } }, retrain: { historyLimit: 10 } });
    expect(kubectl(['get', 'tr', '-n', namespace.name]).out).toMatch(/^NAME\s+MODEL\s+PHASE\s+RMSE\s+MAE\s+AGE\nvalid-run\s+movielens\s/);
    expect(kubectl(['get', 'mrel', '-n', namespace.name]).out).toMatch(/^NAME\s+CHAMPION\s+RMSE\s+READY\s+URL\s+AGE\nvalid-release\s/);
    const listed = kubectl(['get', 'reco', '-n', namespace.name]).out;
    expect(listed).toMatch(/trainingrun.reco.mlops.dev\/valid-run/);
    expect(listed).toMatch(/modelrelease.reco.mlops.dev\/valid-release/);
  });

  const invalid: [string, object, RegExp][] = [
    ['factors below range', run('r1', { algorithm: { factors: 0 } }), /spec\.algorithm\.factors: Invalid value: 0: spec\.algorithm\.factors in body should be greater than or equal to 1/],
    ['factors above range', run('r2', { algorithm: { factors: 100000 } }), /spec\.algorithm\.factors.*less than or equal to 512/],
    ['unknown algorithm', run('r3', { algorithm: { name: 'als' } }), /spec\.algorithm\.name: Unsupported value: "als"/],
    ['learning rate too high', run('r4', { algorithm: { learningRate: 3 } }), /spec\.algorithm\.learningRate.*less than or equal to 1/],
    ['test fraction out of range', run('r5', { evaluation: { testFraction: 0.9 } }), /spec\.evaluation\.testFraction.*less than or equal to 0\.5/],
    ['model not a DNS label', run('r6', { model: 'Movie_Lens' }), /spec\.model.*should match/],
    ['two snapshot bounds', run('r7', { dataset: { ratingsUpTo: 1000, upToBatch: 2 } }), /spec\.dataset: Invalid value.*set at most one of ratingsUpTo and upToBatch/],
    ['unknown promotion metric', release('m1', { promotion: { metric: 'auc' } }), /spec\.promotion\.metric: Unsupported value: "auc"/],
    ['pinned run not a valid name', release('m2', { promotion: { pinnedRun: 'Run_7' } }), /spec\.promotion\.pinnedRun.*should match/],
    ['schedule not cron', release('m3', { retrain: { schedule: 'every day', template: { backendSecretRef: { name: 'b' } } } }), /spec\.retrain\.schedule.*should match/],
    ['replicas out of range', release('m4', { serving: { replicas: 50 } }), /spec\.serving\.replicas.*less than or equal to 20/],
    ['replicas beside autoscaling', release('m5', { serving: { replicas: 2, autoscaling: { maxReplicas: 4 } } }), /spec\.serving: Invalid value.*set either replicas or autoscaling, not both/],
    ['autoscaling min above max', release('m6', { serving: { autoscaling: { minReplicas: 5, maxReplicas: 2 } } }), /spec\.serving\.autoscaling\.minReplicas: Invalid value.*minReplicas must not exceed maxReplicas/],
    ['retrain without a trigger', release('m7', { retrain: { template: { backendSecretRef: { name: 'b' } } } }), /spec\.retrain: Invalid value.*retrain needs a schedule, minNewRatings, or both/],
  ];

  it.each(invalid)('refuses %s, naming the field', (_title, object, message) => {
    const result = apply(object);
    expect(result.code).not.toBe(0);
    expect(result.out).toMatch(message);
  });

  it("refuses a change to a run's spec", () => {
    expect(apply(run('immutable', { algorithm: { factors: 32 } })).code).toBe(0);
    const result = apply(run('immutable', { algorithm: { factors: 33 } }));
    expect(result.code).not.toBe(0);
    expect(result.out).toMatch(/spec: Invalid value: .*spec is immutable; create a new TrainingRun to train again/);
  });
});
