import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminKubeConfig, createTestNamespace, kubeconfigPath, type TestNamespace } from '../../testenv/fixtures.ts';
import { installCrds } from './install-crds.ts';

function kubectl(args: string[], input?: object): { code: number; out: string } {
  const result = spawnSync('kubectl', ['--kubeconfig', kubeconfigPath(), ...args], {
    input: input ? JSON.stringify(input) : undefined,
    encoding: 'utf8',
  });
  return { code: result.status ?? -1, out: `${result.stdout}${result.stderr}` };
}

const apiVersion = 'reco.mlops.dev/v1alpha1';
const run = (name: string, spec: object) => ({
  apiVersion,
  kind: 'TrainingRun',
  metadata: { name },
  spec: { model: 'movielens', backendSecretRef: { name: 'backend' }, ...spec },
});
const release = (name: string, spec: object) => ({
  apiVersion,
  kind: 'ModelRelease',
  metadata: { name },
  spec: { model: 'movielens', ...spec },
});

describe('CRD validation by the API server', () => {
  let namespace: TestNamespace;
  const apply = (object: object) => kubectl(['apply', '-n', namespace.name, '-f', '-'], object);

  beforeAll(async () => {
    await installCrds(adminKubeConfig());
    namespace = await createTestNamespace('crd-validation');
  });
  afterAll(async () => namespace?.delete());

  it('accepts pod placement on runs, retrain templates and serving, and keeps it as given', () => {
    const placement = {
      serviceAccountName: 'trainer',
      imagePullSecrets: [{ name: 'registry-key' }],
      nodeSelector: { pool: 'training' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ml', effect: 'NoSchedule' }],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } },
      priorityClassName: 'batch-low',
    };
    expect(apply(run('placed-run', placement)).code).toBe(0);
    const template = { backendSecretRef: { name: 'b' }, ...placement };
    expect(apply(release('placed', { serving: placement, retrain: { minNewRatings: 10, template } })).code).toBe(0);
    const stored = JSON.parse(
      kubectl(['get', '-n', namespace.name, '-o', 'json', 'trun/placed-run', 'mrel/placed']).out,
    );
    expect(stored.items[0].spec).toMatchObject(placement);
    expect(stored.items[1].spec.serving).toMatchObject(placement);
    expect(stored.items[1].spec.retrain.template).toMatchObject(placement);
  });

  it('accepts valid resources and fills in the documented defaults', () => {
    expect(apply(run('valid-run', { algorithm: { factors: 64 } })).code).toBe(0);
    expect(
      apply(
        release('valid-release', {
          serving: { autoscaling: { maxReplicas: 3 } },
          retrain: { schedule: '0 3 * * MON', template: { backendSecretRef: { name: 'backend' } } },
        }),
      ).code,
    ).toBe(0);
    const created = JSON.parse(
      kubectl(['get', '-n', namespace.name, 'trun/valid-run', 'mrel/valid-release', '-o', 'json']).out,
    ).items;
    expect(created[0].spec).toMatchObject({
      algorithm: { name: 'blend', factors: 64, seed: 42 },
      evaluation: { testFraction: 0.2 },
      backoffLimit: 1,
      activeDeadlineSeconds: 3600,
    });
    expect(created[1].spec).toMatchObject({
      promotion: { metric: 'ndcgAt10', minImprovement: 0 },
      serving: { autoscaling: { minReplicas: 1, targetCPUUtilizationPercentage: 70 } },
      retrain: { historyLimit: 10 },
    });
    expect(kubectl(['get', 'trun', 'valid-run', '-n', namespace.name]).out).toMatch(
      /^NAME\s+MODEL\s+PHASE\s+NDCG@10\s+RMSE\s+RANKING\s+TRIALS\s+AGE\nvalid-run\s+movielens\s/,
    );
    expect(kubectl(['get', 'trun', 'valid-run', '-o', 'wide', '-n', namespace.name]).out).toMatch(
      /^NAME\s+MODEL\s+PHASE\s+NDCG@10\s+RMSE\s+RANKING\s+TRIALS\s+BEST\s+MAE\s+REASON\s+AGE\n/,
    );
    expect(kubectl(['get', 'mrel', 'valid-release', '-n', namespace.name]).out).toMatch(
      /^NAME\s+CHAMPION\s+NDCG@10\s+READY\s+REASON\s+URL\s+AGE\nvalid-release\s/,
    );
    const listed = kubectl(['get', 'reco', '-n', namespace.name]).out;
    expect(listed).toMatch(/trainingrun.reco.mlops.dev\/valid-run/);
    expect(listed).toMatch(/modelrelease.reco.mlops.dev\/valid-release/);
  });

  const invalid: [string, object, RegExp][] = [
    [
      'factors below range',
      run('r1', { algorithm: { factors: 0 } }),
      new RegExp(
        String.raw`spec\.algorithm\.factors: Invalid value: 0: ` +
          String.raw`spec\.algorithm\.factors in body should be greater than or equal to 1`,
      ),
    ],
    [
      'factors above range',
      run('r2', { algorithm: { factors: 100000 } }),
      /spec\.algorithm\.factors.*less than or equal to 512/,
    ],
    ['unknown algorithm', run('r3', { algorithm: { name: 'als' } }), /spec\.algorithm\.name: Unsupported value: "als"/],
    [
      'learning rate too high',
      run('r4', { algorithm: { learningRate: 3 } }),
      /spec\.algorithm\.learningRate.*less than or equal to 1/,
    ],
    [
      'test fraction out of range',
      run('r5', { evaluation: { testFraction: 0.9 } }),
      /spec\.evaluation\.testFraction.*less than or equal to 0\.5/,
    ],
    ['model not a DNS label', run('r6', { model: 'Movie_Lens' }), /spec\.model.*should match/],
    [
      'two snapshot bounds',
      run('r7', { dataset: { ratingsUpTo: 1000, upToBatch: 2 } }),
      /spec\.dataset: Invalid value.*set at most one of ratingsUpTo and upToBatch/,
    ],
    [
      'unknown promotion metric',
      release('m1', { promotion: { metric: 'auc' } }),
      /spec\.promotion\.metric: Unsupported value: "auc"/,
    ],
    [
      'pinned run not a valid name',
      release('m2', { promotion: { pinnedRun: 'Run_7' } }),
      /spec\.promotion\.pinnedRun.*should match/,
    ],
    [
      'schedule not cron',
      release('m3', { retrain: { schedule: 'every day', template: { backendSecretRef: { name: 'b' } } } }),
      /spec\.retrain\.schedule.*should match/,
    ],
    [
      'replicas out of range',
      release('m4', { serving: { replicas: 50 } }),
      /spec\.serving\.replicas.*less than or equal to 20/,
    ],
    [
      'replicas beside autoscaling',
      release('m5', { serving: { replicas: 2, autoscaling: { maxReplicas: 4 } } }),
      /spec\.serving: Invalid value.*set either replicas or autoscaling, not both/,
    ],
    [
      'autoscaling min above max',
      release('m6', { serving: { autoscaling: { minReplicas: 5, maxReplicas: 2 } } }),
      /spec\.serving\.autoscaling\.minReplicas: Invalid value.*minReplicas must not exceed maxReplicas/,
    ],
    [
      'retrain without a trigger',
      release('m7', { retrain: { template: { backendSecretRef: { name: 'b' } } } }),
      /spec\.retrain: Invalid value.*retrain needs a schedule, minNewRatings, or both/,
    ],
    // Required fields missing
    ['a run without spec', { apiVersion, kind: 'TrainingRun', metadata: { name: 'r10' } }, /spec: Required value/],
    [
      'a run without model',
      { ...run('r11', {}), spec: { backendSecretRef: { name: 'backend' } } },
      /spec\.model: Required value/,
    ],
    [
      'a run without backendSecretRef',
      { ...run('r12', {}), spec: { model: 'movielens' } },
      /spec\.backendSecretRef: Required value/,
    ],
    [
      'a backendSecretRef without name',
      run('r13', { backendSecretRef: {} }),
      /spec\.backendSecretRef\.name: Required value/,
    ],
    [
      'a release without model',
      { apiVersion, kind: 'ModelRelease', metadata: { name: 'm10' }, spec: {} },
      /spec\.model: Required value/,
    ],
    [
      'retrain without template',
      release('m11', { retrain: { schedule: '0 3 * * *' } }),
      /spec\.retrain\.template: Required value/,
    ],
    [
      'autoscaling without maxReplicas',
      release('m12', { serving: { autoscaling: { minReplicas: 1 } } }),
      /spec\.serving\.autoscaling\.maxReplicas: Required value/,
    ],
    // Wrong types
    [
      'factors as a string',
      run('r14', { algorithm: { factors: '64' } }),
      /spec\.algorithm\.factors: Invalid value: "string": spec\.algorithm\.factors in body must be of type integer/,
    ],
    [
      'epochs not whole',
      run('r15', { algorithm: { epochs: 1.5 } }),
      /spec\.algorithm\.epochs: Invalid value: .*spec\.algorithm\.epochs in body must be of type int/,
    ],
    [
      'algorithm as a string',
      run('r16', { algorithm: 'svd' }),
      /spec\.algorithm: Invalid value: "string": spec\.algorithm in body must be of type object/,
    ],
    [
      'model as a number',
      run('r17', { model: 7 }),
      /spec\.model: Invalid value: "integer": spec\.model in body must be of type string/,
    ],
    [
      'replicas as a string',
      release('m13', { serving: { replicas: 'two' } }),
      /spec\.serving\.replicas: Invalid value: "string": spec\.serving\.replicas in body must be of type integer/,
    ],
    // Negative numbers
    ['negative seed', run('r18', { algorithm: { seed: -1 } }), /spec\.algorithm\.seed.*greater than or equal to 0/],
    [
      'negative regularization',
      run('r19', { algorithm: { regularization: -0.1 } }),
      /spec\.algorithm\.regularization.*greater than or equal to 0/,
    ],
    ['negative backoffLimit', run('r20', { backoffLimit: -1 }), /spec\.backoffLimit.*greater than or equal to 0/],
    [
      'negative activeDeadlineSeconds',
      run('r21', { activeDeadlineSeconds: -60 }),
      /spec\.activeDeadlineSeconds.*greater than or equal to 60/,
    ],
    [
      'negative ratingsUpTo',
      run('r22', { dataset: { ratingsUpTo: -5 } }),
      /spec\.dataset\.ratingsUpTo.*greater than or equal to 1/,
    ],
    [
      'negative minImprovement',
      release('m14', { promotion: { minImprovement: -0.1 } }),
      /spec\.promotion\.minImprovement.*greater than or equal to 0/,
    ],
    [
      'negative minNewRatings',
      release('m15', { retrain: { minNewRatings: -1, template: { backendSecretRef: { name: 'b' } } } }),
      /spec\.retrain\.minNewRatings.*greater than or equal to 1/,
    ],
    [
      'negative replicas',
      release('m16', { serving: { replicas: -1 } }),
      /spec\.serving\.replicas.*greater than or equal to 0/,
    ],
    [
      'a progress deadline of zero',
      release('m16d', { serving: { progressDeadlineSeconds: 0 } }),
      /spec\.serving\.progressDeadlineSeconds.*greater than or equal to 1/,
    ],
    // Bad enums
    [
      'unknown template algorithm',
      release('m17', {
        retrain: { schedule: '0 3 * * *', template: { backendSecretRef: { name: 'b' }, algorithm: { name: 'SVD' } } },
      }),
      /spec\.retrain\.template\.algorithm\.name: Unsupported value: "SVD"/,
    ],
    // Bad cron schedules
    [
      'a schedule of four fields',
      release('m18', { retrain: { schedule: '0 3 * *', template: { backendSecretRef: { name: 'b' } } } }),
      /spec\.retrain\.schedule.*should match/,
    ],
    [
      'a schedule macro',
      release('m19', { retrain: { schedule: '@daily', template: { backendSecretRef: { name: 'b' } } } }),
      /spec\.retrain\.schedule.*should match/,
    ],
    [
      'a schedule with a command in it',
      release('m20', { retrain: { schedule: '0 3 * * MON;reboot', template: { backendSecretRef: { name: 'b' } } } }),
      /spec\.retrain\.schedule: Invalid value.*weekday 0-7 or sun-sat expected in the fifth field/,
    ],
    [
      'a minute out of range',
      release('m21', { retrain: { schedule: '61 * * * *', template: { backendSecretRef: { name: 'b' } } } }),
      /spec\.retrain\.schedule: Invalid value.*minute 0-59/,
    ],
    [
      'an hour out of range',
      release('m22', { retrain: { schedule: '0 24 * * *', template: { backendSecretRef: { name: 'b' } } } }),
      /spec\.retrain\.schedule: Invalid value.*hour 0-23/,
    ],
    [
      'a day of month 0',
      release('m23', { retrain: { schedule: '0 3 0 * *', template: { backendSecretRef: { name: 'b' } } } }),
      /spec\.retrain\.schedule: Invalid value.*day of month 1-31/,
    ],
    [
      'a step of 0',
      release('m24', { retrain: { schedule: '*/0 * * * *', template: { backendSecretRef: { name: 'b' } } } }),
      /spec\.retrain\.schedule: Invalid value/,
    ],
    [
      'an unknown weekday name',
      release('m25', { retrain: { schedule: '0 3 * * MOX', template: { backendSecretRef: { name: 'b' } } } }),
      /spec\.retrain\.schedule: Invalid value/,
    ],
    [
      'a toleration with an unknown effect',
      run('p1', { tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoRun' }] }),
      /spec\.tolerations\[0\]\.effect: Unsupported value: "NoRun"/,
    ],
    [
      'a toleration Exists with a value',
      release('p2', { serving: { tolerations: [{ key: 'gpu', operator: 'Exists', value: 'a100' }] } }),
      /spec\.serving\.tolerations\[0\]: Invalid value.*operator Exists takes no value/,
    ],
    [
      'a pull secret that is not a name',
      run('p3', { imagePullSecrets: [{ name: 'Registry_Key' }] }),
      /spec\.imagePullSecrets\[0\]\.name.*should match/,
    ],
    [
      'a node selector value that is not a string',
      release('p4', { serving: { nodeSelector: { pool: 3 } } }),
      /spec\.serving\.nodeSelector\.pool: Invalid value: "integer"/,
    ],
    // Rollout (Shadow and Canary)
    [
      'an unknown rollout strategy',
      release('o1', { rollout: { strategy: 'BlueGreen' } }),
      /spec\.rollout\.strategy: Unsupported value: "BlueGreen"/,
    ],
    [
      'Shadow with steps',
      release('o2', { rollout: { strategy: 'Shadow', steps: [{ share: 10, pause: { labels: 50 } }] } }),
      /spec\.rollout\.steps: Invalid value.*steps apply to strategy Canary only/,
    ],
    [
      'Canary without steps',
      release('o3', { rollout: { strategy: 'Canary' } }),
      /spec\.rollout\.steps: Invalid value.*strategy Canary needs steps/,
    ],
    [
      'canary steps not increasing',
      release('o4', {
        rollout: {
          strategy: 'Canary',
          steps: [
            { share: 25, pause: { labels: 50 } },
            { share: 10, pause: { labels: 50 } },
          ],
        },
      }),
      /spec\.rollout\.steps: Invalid value.*step shares must be strictly increasing/,
    ],
    [
      'a canary step repeated',
      release('o5', {
        rollout: {
          strategy: 'Canary',
          steps: [
            { share: 10, pause: { labels: 50 } },
            { share: 10, pause: { seconds: 60 } },
          ],
        },
      }),
      /spec\.rollout\.steps: Invalid value.*step shares must be strictly increasing/,
    ],
    [
      'a canary share above 100',
      release('o6', { rollout: { strategy: 'Canary', steps: [{ share: 150, pause: { labels: 5 } }] } }),
      /spec\.rollout\.steps\[0\]\.share.*less than or equal to 100/,
    ],
    [
      'a negative canary share',
      release('o7', { rollout: { strategy: 'Canary', steps: [{ share: -5, pause: { labels: 5 } }] } }),
      /spec\.rollout\.steps\[0\]\.share.*greater than or equal to 0/,
    ],
    [
      'a pause in both labels and seconds',
      release('o8', { rollout: { strategy: 'Canary', steps: [{ share: 5, pause: { labels: 5, seconds: 60 } }] } }),
      /spec\.rollout\.steps\[0\]\.pause: Invalid value.*set exactly one/,
    ],
    [
      'a canary step without a pause',
      release('o9', { rollout: { strategy: 'Canary', steps: [{ share: 5 }] } }),
      /spec\.rollout\.steps\[0\]\.pause: Required value/,
    ],
    [
      'analysis with Replace',
      release('o10', { rollout: { analysis: { minLabels: 10 } } }),
      /spec\.rollout\.analysis: Invalid value.*analysis applies to strategies Shadow and Canary/,
    ],
    [
      'an error ratio above 1',
      release('o11', { rollout: { strategy: 'Shadow', analysis: { slo: { maxErrorRatio: 2 } } } }),
      /spec\.rollout\.analysis\.slo\.maxErrorRatio.*less than or equal to 1/,
    ],
    [
      'fault injection with Replace',
      release('o13', { rollout: { faultInjection: { challengerDelayMs: 200 } } }),
      /spec\.rollout\.faultInjection: Invalid value.*faultInjection applies to strategies Shadow and Canary/,
    ],
    [
      'a delay of 0 ms',
      release('o14', { rollout: { strategy: 'Shadow', faultInjection: { challengerDelayMs: 0 } } }),
      /spec\.rollout\.faultInjection\.challengerDelayMs.*greater than or equal to 1/,
    ],
    [
      'an unknown selection',
      release('o15', { promotion: { select: 'Oldest' } }),
      /spec\.promotion\.select: Unsupported value: "Oldest"/,
    ],
    [
      'a negative RMSE margin',
      release('o12', { rollout: { strategy: 'Shadow', analysis: { maxRmseIncrease: -0.1 } } }),
      /spec\.rollout\.analysis\.maxRmseIncrease.*greater than or equal to 0/,
    ],
  ];

  const search = (overrides: object = {}) => ({
    objective: { metric: 'validationNdcgAt10', direction: 'maximize' },
    parameters: { factors: { values: [16, 32] }, learningRate: { min: 0.001, max: 0.05, scale: 'log' } },
    maxTrials: 4,
    ...overrides,
  });
  const invalidSearch: [string, object, RegExp][] = [
    [
      'an empty range',
      run('s1', { search: search({ parameters: { regularization: { min: 0.1, max: 0.1 } } }) }),
      /spec\.search\.parameters\.regularization\.min: Invalid value.*an empty range; min must be less than max/,
    ],
    [
      'an empty list',
      run('s2', { search: search({ parameters: { factors: { values: [] } } }) }),
      /spec\.search\.parameters\.factors\.values: Invalid value.*should have at least 1 items/,
    ],
    [
      'parallelism above maxTrials',
      run('s3', { search: search({ maxTrials: 2, parallelism: 3 }) }),
      /spec\.search\.parallelism: Invalid value.*parallelism must be at most maxTrials/,
    ],
    [
      'no parameter',
      run('s4', { search: search({ parameters: {} }) }),
      /spec\.search\.parameters: Invalid value.*should have at least 1 properties/,
    ],
    [
      'a parameter with both a list and a range',
      run('s5', { search: search({ parameters: { epochs: { values: [5], min: 1, max: 9 } } }) }),
      /spec\.search\.parameters\.epochs: Invalid value.*give either values or min and max/,
    ],
    [
      'a grid over a range',
      run('s6', { search: search({ method: 'grid' }) }),
      /spec\.search\.method: Invalid value.*method grid takes lists of values, not min\/max ranges/,
    ],
    [
      'a log scale from 0',
      run('s7', { search: search({ parameters: { regularization: { min: 0, max: 1, scale: 'log' } } }) }),
      /spec\.search\.parameters\.regularization\.scale: Invalid value.*a log scale needs min above 0/,
    ],
    [
      'a learning rate out of range',
      run('s8', { search: search({ parameters: { learningRate: { values: [0.01, 2] } } }) }),
      /spec\.search\.parameters\.learningRate\.values\[1\].*less than or equal to 1/,
    ],
    [
      'a validation NDCG objective with svd',
      run('s9', { algorithm: { name: 'svd' }, search: search() }),
      /spec\.search\.objective\.metric: Invalid value.*validationNdcgAt10 needs algorithm blend/,
    ],
    [
      'a test-slice objective',
      run('s10', { search: search({ objective: { metric: 'ndcgAt10', direction: 'maximize' } }) }),
      /spec\.search\.objective\.metric: Unsupported value: "ndcgAt10"/,
    ],
    [
      'a retrain template whose search has an empty range',
      release('s11', {
        retrain: {
          template: {
            backendSecretRef: { name: 'b' },
            search: search({ parameters: { factors: { min: 64, max: 8 } } }),
          },
        },
      }),
      /spec\.retrain\.template\.search\.parameters\.factors\.min: Invalid value.*an empty range/,
    ],
  ];

  it.each(invalidSearch)('refuses a search with %s, naming the field', (_title, object, message) => {
    const result = apply(object);
    expect(result.code).not.toBe(0);
    expect(result.out).toMatch(message);
  });

  it('accepts a search and fills in its defaults', () => {
    expect(apply(run('searched', { search: search({ earlyStopping: {} }) })).code).toBe(0);
    const stored = JSON.parse(kubectl(['get', '-n', namespace.name, '-o', 'json', 'trun/searched']).out);
    expect(stored.spec.search).toEqual({
      objective: { metric: 'validationNdcgAt10', direction: 'maximize' },
      method: 'random',
      parameters: {
        factors: { values: [16, 32], scale: 'linear' },
        learningRate: { min: 0.001, max: 0.05, scale: 'log' },
      },
      maxTrials: 4,
      parallelism: 1,
      earlyStopping: { minEpochs: 5, minTrials: 2 },
    });
  });

  it.each(invalid)('refuses %s, naming the field', (_title, object, message) => {
    const result = apply(object);
    expect(result.code).not.toBe(0);
    expect(result.out).toMatch(message);
  });

  // kubectl asks for strict field validation: a misspelt or unknown field is refused, not silently pruned.
  const unknown: [string, object, RegExp][] = [
    [
      'a misspelt algorithm field',
      run('u1', { algorithm: { factorz: 64 } }),
      /unknown field "spec\.algorithm\.factorz"/,
    ],
    ['an unknown spec field', run('u2', { gpus: 1 }), /unknown field "spec\.gpus"/],
    ['an unknown release field', release('u3', { serving: { replica: 2 } }), /unknown field "spec\.serving\.replica"/],
    [
      'an unknown search parameter',
      run('u4', {
        search: {
          objective: { metric: 'validationRmse', direction: 'minimize' },
          parameters: { momentum: { values: [0.9] } },
          maxTrials: 2,
        },
      }),
      /unknown field "spec\.search\.parameters\.momentum"/,
    ],
  ];

  it.each(unknown)('refuses %s under strict field validation', (_title, object, message) => {
    const result = apply(object);
    expect(result.code).not.toBe(0);
    expect(result.out).toMatch(message);
  });

  it('accepts Shadow and Canary rollouts and fills in Replace and the analysis defaults', () => {
    const steps = [
      { share: 0, pause: { labels: 50 } },
      { share: 5, pause: { labels: 100 } },
      { share: 50, pause: { seconds: 600 } },
      { share: 100, pause: { labels: 100 } },
    ];
    const faultInjection = { challengerDelayMs: 150 };
    const canary = release('rollout-canary', {
      promotion: { select: 'Newest' },
      rollout: { strategy: 'Canary', steps, analysis: {}, faultInjection },
    });
    expect(apply(canary).code).toBe(0);
    expect(
      apply(release('rollout-shadow', { rollout: { strategy: 'Shadow', analysis: { minLabels: 50 } } })).code,
    ).toBe(0);
    expect(apply(release('rollout-default', {})).code).toBe(0);
    const stored = JSON.parse(
      kubectl([
        'get',
        '-n',
        namespace.name,
        '-o',
        'json',
        'mrel/rollout-canary',
        'mrel/rollout-shadow',
        'mrel/rollout-default',
      ]).out,
    ).items;
    const slo = { maxErrorRatio: 0.01, maxP99LatencyMs: 500 };
    expect(stored[0].spec.rollout).toEqual({
      strategy: 'Canary',
      steps,
      analysis: { minLabels: 200, maxRmseIncrease: 0, maxHitRateDecrease: 0, slo },
      faultInjection,
    });
    expect(stored[0].spec.promotion).toMatchObject({ select: 'Newest' });
    expect(stored[1].spec.rollout.analysis).toMatchObject({ minLabels: 50, slo });
    expect(stored[2].spec.rollout).toEqual({ strategy: 'Replace' });
    expect(stored[2].spec.promotion).toMatchObject({ select: 'Best' });
  });

  it('accepts the schedules the operator understands', () => {
    const schedules = [
      '0 3 * * *',
      '*/15 * * * *',
      '0 0-23/2 * * MON-FRI',
      '30 4 1,15 jan,jul sun',
      '0 3 * * 7',
      '5 0 31 * *',
    ];
    for (const [k, schedule] of schedules.entries()) {
      const result = apply(
        release(`cron-${k}`, { retrain: { schedule, template: { backendSecretRef: { name: 'b' } } } }),
      );
      expect({ schedule, ...result }).toMatchObject({ schedule, code: 0 });
    }
  });

  it("refuses a change to a run's spec", () => {
    expect(apply(run('immutable', { algorithm: { factors: 32 } })).code).toBe(0);
    const result = apply(run('immutable', { algorithm: { factors: 33 } }));
    expect(result.code).not.toBe(0);
    expect(result.out).toMatch(/spec: Invalid value: .*spec is immutable; create a new TrainingRun to train again/);
  });
});
