import type { V1ContainerState, V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { TrainingRun } from '../api/resources.ts';
import { decideTrainingRun, jobCreateFailed } from './decide.ts';

const settings = { image: 'movie-reco:test' };
const t0 = new Date('2026-11-25T10:00:00Z');
const t1 = new Date('2026-11-25T10:05:00Z');

const run = (status?: TrainingRun['status']): TrainingRun => ({
  apiVersion: 'reco.mlops.dev/v1alpha1',
  kind: 'TrainingRun',
  metadata: { name: 'nightly-7', namespace: 'reco', uid: 'uid-7', generation: 1 },
  spec: {
    model: 'movielens',
    dataset: { ratingsUpTo: 50_000 },
    algorithm: { name: 'svd', factors: 32, seed: 42 },
    evaluation: { testFraction: 0.2 },
    activeDeadlineSeconds: 600,
    backoffLimit: 0,
    backendSecretRef: { name: 'backend' },
  },
  ...(status ? { status } : {}),
});

const job = (status: V1Job['status'] = {}, controllerUid = 'uid-7'): V1Job => ({
  metadata: {
    name: 'nightly-7-train',
    namespace: 'reco',
    ownerReferences: [
      {
        apiVersion: 'reco.mlops.dev/v1alpha1',
        kind: 'TrainingRun',
        name: 'nightly-7',
        uid: controllerUid,
        controller: true,
      },
    ],
  },
  status,
});

const pod = (message: string | undefined, finishedAt = '2026-11-25T10:04:00Z'): V1Pod => ({
  metadata: { name: `nightly-7-train-${finishedAt}` },
  status: {
    containerStatuses: [
      {
        name: 'trainer',
        image: 'x',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode: 0, finishedAt: new Date(finishedAt), ...(message ? { message } : {}) } },
      },
    ],
  },
});

/** The trainer pod of a Job that has not finished, in the given container state. */
const trainerPod = (state: V1ContainerState): V1Pod => ({
  metadata: { name: 'nightly-7-train-abc', creationTimestamp: t0 },
  status: {
    containerStatuses: [
      { name: 'trainer', image: 'movie-reco:test', imageID: '', ready: false, restartCount: 0, state },
    ],
  },
});

const result = {
  runId: 'uid-7',
  model: 'movielens',
  phase: 'Succeeded',
  dataset: { ratings: 50_000, users: 610, movies: 9000, maxRatingId: 50_000 },
  metrics: {
    rmse: 0.87,
    mae: 0.67,
    precisionAt10: 0.1,
    recallAt10: 0.05,
    ndcgAt10: 0.12,
    coverage: 0.3,
    trainSeconds: 12,
  },
  rankingModel: 'ease',
  artifact: { uri: 's3://models/movielens/uid-7', digest: 'sha256:abc', sizeBytes: 1234 },
};

const complete = {
  startTime: t0,
  completionTime: t1,
  succeeded: 1,
  conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: t1 }],
};

describe('decideTrainingRun', () => {
  it('asks for one trainer Job, named after the run, owned by it and hardened', () => {
    const decision = decideTrainingRun({ run: run(), job: undefined, pods: [], now: t0, settings });
    const created = decision.createJob!;
    expect(created.metadata).toMatchObject({
      name: 'nightly-7-train',
      namespace: 'reco',
      ownerReferences: [
        { kind: 'TrainingRun', name: 'nightly-7', uid: 'uid-7', controller: true, blockOwnerDeletion: true },
      ],
      labels: {
        'app.kubernetes.io/managed-by': 'movie-reco-operator',
        'reco.mlops.dev/training-run': 'nightly-7',
        'reco.mlops.dev/model': 'movielens',
      },
    });
    expect(created.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 600 });
    const podSpec = created.spec!.template.spec!;
    expect(podSpec.restartPolicy).toBe('Never');
    expect(podSpec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    const container = podSpec.containers[0]!;
    expect(container.image).toBe('movie-reco:test');
    expect(container.args).toEqual([
      'train',
      '--model',
      'movielens',
      '--run',
      'reco/nightly-7',
      '--max-rating-id',
      '50000',
      '--algorithm',
      'svd',
      '--factors',
      '32',
      '--seed',
      '42',
      '--test-fraction',
      '0.2',
    ]);
    expect(container.envFrom).toEqual([{ secretRef: { name: 'backend' } }]);
    expect(container.terminationMessagePolicy).toBe('FallbackToLogsOnError');
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.resources).toEqual({ requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '2Gi' } });
    expect(decision.status).toMatchObject({
      phase: 'Pending',
      jobName: 'nightly-7-train',
      runId: 'reco/nightly-7',
      observedGeneration: 1,
    });
    expect(decision.events).toEqual([
      { type: 'Normal', reason: 'JobCreated', message: 'Created trainer Job nightly-7-train' },
    ]);
  });

  it('is idempotent: a second pass over the same world changes nothing and creates nothing', () => {
    const first = decideTrainingRun({ run: run(), job: job({}), pods: [], now: t0, settings });
    const second = decideTrainingRun({ run: run(first.status), job: job({}), pods: [], now: t1, settings });
    expect(second.createJob).toBeUndefined();
    expect(second.status).toEqual(first.status);
    expect(second.events).toEqual([]);
  });

  it('follows the Job to Running, with its start time', () => {
    const decision = decideTrainingRun({
      run: run({ phase: 'Pending' }),
      job: job({ active: 1, startTime: t0 }),
      pods: [],
      now: t0,
      settings,
    });
    expect(decision.status).toMatchObject({ phase: 'Running', startTime: t0.toISOString() });
    expect(decision.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Succeeded', status: 'Unknown', reason: 'Running' }),
    );
    expect(decision.events.map((e) => e.reason)).toEqual(['Started']);
  });

  it('takes metrics, dataset and artifact from the termination message when the Job completes', () => {
    const decision = decideTrainingRun({
      run: run({ phase: 'Running' }),
      job: job(complete),
      pods: [pod(JSON.stringify(result))],
      now: t1,
      settings,
    });
    expect(decision.status).toMatchObject({
      phase: 'Succeeded',
      completionTime: t1.toISOString(),
      metrics: result.metrics,
      rankingModel: 'ease',
      artifact: result.artifact,
      dataset: result.dataset,
    });
    expect(decision.status.conditions).toContainEqual(
      expect.objectContaining({
        type: 'Succeeded',
        status: 'True',
        reason: 'TrainingSucceeded',
        observedGeneration: 1,
      }),
    );
    expect(decision.events[0]).toMatchObject({ type: 'Normal', reason: 'TrainingSucceeded' });
  });

  it("fails with the trainer's own reason, from the newest pod", () => {
    const failedJob = {
      startTime: t0,
      conditions: [
        {
          type: 'Failed',
          status: 'True',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
          lastTransitionTime: t1,
        },
      ],
    };
    const pods = [
      pod(
        JSON.stringify({ runId: 'uid-7', model: 'movielens', phase: 'Failed', reason: 'old attempt' }),
        '2026-11-25T10:01:00Z',
      ),
      pod(JSON.stringify({ runId: 'uid-7', model: 'movielens', phase: 'Failed', reason: 'no ratings up to id 50000' })),
    ];
    const decision = decideTrainingRun({
      run: run({ phase: 'Running' }),
      job: job(failedJob),
      pods,
      now: t1,
      settings,
    });
    expect(decision.status).toMatchObject({ phase: 'Failed', message: 'no ratings up to id 50000' });
    expect(decision.status.conditions).toContainEqual(
      expect.objectContaining({
        type: 'Succeeded',
        status: 'False',
        reason: 'TrainerFailed',
        message: 'no ratings up to id 50000',
      }),
    );
    expect(decision.events[0]).toMatchObject({ type: 'Warning', reason: 'TrainerFailed' });
  });

  it("fails with the Job's reason when the trainer left no result (deadline, OOM)", () => {
    const failedJob = {
      conditions: [
        {
          type: 'Failed',
          status: 'True',
          reason: 'DeadlineExceeded',
          message: 'Job was active longer than specified deadline',
          lastTransitionTime: t1,
        },
      ],
    };
    const decision = decideTrainingRun({
      run: run({ phase: 'Running' }),
      job: job(failedJob),
      pods: [],
      now: t1,
      settings,
    });
    expect(decision.status.phase).toBe('Failed');
    expect(decision.status.conditions).toContainEqual(
      expect.objectContaining({
        reason: 'DeadlineExceeded',
        message: expect.stringMatching(/longer than specified deadline.*no termination message/),
      }),
    );
  });

  it('says why the trainer pod cannot start, once as a Warning, and keeps the run Pending while it may heal', () => {
    const stuck = trainerPod({
      waiting: { reason: 'CreateContainerConfigError', message: 'secret "backend" not found' },
    });
    const first = decideTrainingRun({
      run: run({ phase: 'Running' }),
      job: job({ active: 1, startTime: t0 }),
      pods: [stuck],
      now: t1,
      settings,
    });
    const message = 'nightly-7-train-abc, container trainer: secret "backend" not found';
    expect(first.status).toMatchObject({ phase: 'Pending', message });
    expect(first.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Succeeded', status: 'Unknown', reason: 'CreateContainerConfigError', message }),
    );
    expect(first.events).toEqual([{ type: 'Warning', reason: 'CreateContainerConfigError', message }]);
    const again = decideTrainingRun({
      run: run(first.status),
      job: job({ active: 1, startTime: t0 }),
      pods: [stuck],
      now: t1,
      settings,
    });
    expect(again.events).toEqual([]);
  });

  it('fails a run whose image cannot be pulled past the grace period, and names the image problem', () => {
    const pulling = (waitingReason: string) =>
      trainerPod({ waiting: { reason: waitingReason, message: 'pull access denied' } });
    const atStart = decideTrainingRun({
      run: run({ phase: 'Pending' }),
      job: job({ active: 1, startTime: t0 }),
      pods: [pulling('ErrImagePull')],
      now: new Date(t0.getTime() + 5_000),
      settings,
    });
    expect(atStart.status.phase).toBe('Pending');
    const later = decideTrainingRun({
      run: run(atStart.status),
      job: job({ active: 1, startTime: t0 }),
      pods: [pulling('ImagePullBackOff')],
      now: t1,
      settings,
    });
    expect(later.status).toMatchObject({ phase: 'Failed', completionTime: t1.toISOString() });
    expect(later.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Succeeded', status: 'False', reason: 'ImagePullBackOff' }),
    );
    expect(later.events.map((e) => [e.type, e.reason])).toEqual([['Warning', 'ImagePullBackOff']]);
  });

  it('names OOMKilled when the Job failed because the trainer ran out of memory', () => {
    const killed = trainerPod({ terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: t1 } });
    const failedJob = {
      conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', lastTransitionTime: t1 }],
    };
    const decision = decideTrainingRun({
      run: run({ phase: 'Running' }),
      job: job(failedJob),
      pods: [killed],
      now: t1,
      settings,
    });
    expect(decision.status.phase).toBe('Failed');
    expect(decision.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Succeeded', status: 'False', reason: 'OOMKilled' }),
    );
    expect(decision.events).toEqual([expect.objectContaining({ type: 'Warning', reason: 'OOMKilled' })]);
  });

  it('does not call a completed Job a success without a readable result', () => {
    const decision = decideTrainingRun({
      run: run({ phase: 'Running' }),
      job: job(complete),
      pods: [pod('Killed\nout of memory')],
      now: t1,
      settings,
    });
    expect(decision.status.phase).toBe('Failed');
    expect(decision.status.conditions).toContainEqual(
      expect.objectContaining({ reason: 'ResultMissing', message: expect.stringMatching(/not JSON: Killed/) }),
    );
  });

  it("falls back to the trainer's run record when the termination message is lost", () => {
    const decision = decideTrainingRun({
      run: run({ phase: 'Running' }),
      job: job(complete),
      pods: [],
      runRecord: result as never,
      now: t1,
      settings,
    });
    expect(decision.status).toMatchObject({ phase: 'Succeeded', metrics: result.metrics, artifact: result.artifact });
  });

  it('never creates a Job for a finished run, even when its Job is gone', () => {
    const finished = decideTrainingRun({
      run: run({ phase: 'Running' }),
      job: job(complete),
      pods: [pod(JSON.stringify(result))],
      now: t1,
      settings,
    }).status;
    const later = decideTrainingRun({
      run: run(finished),
      job: undefined,
      pods: [],
      now: new Date('2026-11-26T00:00:00Z'),
      settings,
    });
    expect(later.createJob).toBeUndefined();
    expect(later.status).toEqual(finished);
    expect(later.events).toEqual([]);
  });

  it('refuses to adopt a Job that another object controls', () => {
    const decision = decideTrainingRun({ run: run(), job: job({}, 'someone-else'), pods: [], now: t0, settings });
    expect(decision.createJob).toBeUndefined();
    expect(decision.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'JobCreated', status: 'False', reason: 'JobNameConflict' }),
    );
  });

  it('says why when the Job could not be created', () => {
    const { status, event } = jobCreateFailed(run(), 'jobs.batch is forbidden', t0);
    expect(status.conditions).toContainEqual(
      expect.objectContaining({
        type: 'JobCreated',
        status: 'False',
        reason: 'JobCreateFailed',
        message: expect.stringContaining('forbidden'),
      }),
    );
    expect(event.type).toBe('Warning');
  });
});
