import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { TrainingRun } from '../api/resources.ts';
import { decideTrainingRun } from './decide.ts';
import type { SearchSpec } from './search-parameters.ts';
import { bestTrial } from '../../storage/search-trials.ts';
import { completionIndexAnnotation, parseIndexes, searchProgress } from './search-status.ts';

const search: SearchSpec = {
  objective: { metric: 'validationNdcgAt10', direction: 'maximize' },
  method: 'grid',
  parameters: { factors: { values: [8, 16, 32, 64] } },
  maxTrials: 4,
  parallelism: 2,
  earlyStopping: { minEpochs: 2, minTrials: 1 },
};

const metrics = {
  rmse: 0.9,
  mae: 0.7,
  precisionAt10: 0.1,
  recallAt10: 0.05,
  ndcgAt10: 0.1,
  coverage: 0.3,
  trainSeconds: 1,
};
const trialMessage = (index: number, value: number, stoppedAtEpoch?: number) =>
  JSON.stringify({
    runId: `reco/search-1/trial-${index}`,
    model: 'movielens',
    phase: 'Succeeded',
    dataset: { ratings: 1000, users: 10, movies: 100, maxRatingId: 1000 },
    metrics: { ...metrics, ndcgAt10: value / 2 },
    rankingModel: 'ease',
    artifact: { uri: `s3://m/movielens/reco/search-1/trial-${index}`, digest: `sha256:${index}`, sizeBytes: 10 },
    trial: {
      index,
      state: stoppedAtEpoch ? 'Stopped' : 'Succeeded',
      parameters: { factors: 8 * 2 ** index },
      value,
      ...(stoppedAtEpoch ? { stoppedAtEpoch } : {}),
    },
  });
const trialPod = (index: number, message: string | undefined, phase = 'Succeeded'): V1Pod => ({
  metadata: { name: `search-1-train-${index}-x`, annotations: { [completionIndexAnnotation]: String(index) } },
  status: {
    phase,
    containerStatuses: [
      {
        name: 'trainer',
        image: 'movie-reco:test',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode: phase === 'Succeeded' ? 0 : 1, ...(message ? { message } : {}) } },
      },
    ],
  },
});
const indexedJob = (status: V1Job['status'] = {}): V1Job => ({
  metadata: {
    name: 'search-1-train',
    namespace: 'reco',
    ownerReferences: [
      { apiVersion: 'reco.mlops.dev/v1alpha1', kind: 'TrainingRun', name: 'search-1', uid: 'uid-s', controller: true },
    ],
  },
  status,
});
const searchRun: TrainingRun = {
  apiVersion: 'reco.mlops.dev/v1alpha1',
  kind: 'TrainingRun',
  metadata: { name: 'search-1', namespace: 'reco', uid: 'uid-s', generation: 1 },
  spec: { model: 'movielens', algorithm: { seed: 7 }, backoffLimit: 2, backendSecretRef: { name: 'backend' }, search },
};

describe('the best trial', () => {
  it('is the highest or lowest value as the objective asks, the lowest index among equals, never one without', () => {
    const trials = [{ index: 0, value: 0.3 }, { index: 1 }, { index: 2, value: 0.5 }, { index: 3, value: 0.5 }];
    expect(bestTrial(trials, 'maximize')?.index).toBe(2);
    expect(bestTrial(trials, 'minimize')?.index).toBe(0);
    expect(bestTrial([{ index: 0 }, { index: 1, value: Number.NaN }], 'maximize')).toBeUndefined();
  });
});

describe("a Job's index lists", () => {
  it('reads ranges and single indexes', () => {
    expect(parseIndexes('0,2-4,7')).toEqual([0, 2, 3, 4, 7]);
    expect(parseIndexes('')).toEqual([]);
    expect(parseIndexes(undefined)).toEqual([]);
  });
});

describe('search progress from the trial pods', () => {
  it('lists the finished trials by index, the failed ones from the Job, and names the best', () => {
    const pods = [
      trialPod(2, trialMessage(2, 0.31)),
      trialPod(0, trialMessage(0, 0.25)),
      trialPod(3, trialMessage(3, 0.1, 2)),
      trialPod(1, 'Error: out of memory', 'Failed'),
    ];
    const { status, best } = searchProgress(search, indexedJob({ failedIndexes: '1' }), pods);
    expect(status).toEqual({
      total: 4,
      finished: 4,
      progress: '4/4',
      best: { index: 2, value: 0.31 },
      trials: [
        { index: 0, state: 'Succeeded', parameters: { factors: 8 }, value: 0.25 },
        { index: 1, state: 'Failed', message: 'the trial pod failed; see its logs' },
        { index: 2, state: 'Succeeded', parameters: { factors: 32 }, value: 0.31 },
        { index: 3, state: 'Stopped', parameters: { factors: 64 }, value: 0.1, stoppedAtEpoch: 2 },
      ],
    });
    expect(best.ok && best.result.artifact?.uri).toBe('s3://m/movielens/reco/search-1/trial-2');
  });

  it("ignores a pod whose message is another index's or unreadable, and says when no trial measured", () => {
    const pods = [trialPod(1, trialMessage(0, 0.9)), trialPod(2, 'not json')];
    const { status, best } = searchProgress(search, indexedJob(), pods);
    expect(status).toEqual({ total: 4, finished: 0, progress: '0/4', trials: [] });
    expect(best).toEqual({ ok: false, problem: 'no trial of 4 measured validationNdcgAt10' });
  });
});

describe('a search run decided', () => {
  const now = new Date('2026-12-01T10:00:00Z');
  const settings = { image: 'movie-reco:test' };

  it('creates one Indexed Job: a completion per trial, the parallelism asked, retries per index', () => {
    const { createJob } = decideTrainingRun({ run: searchRun, job: undefined, pods: [], now, settings });
    expect(createJob?.spec).toMatchObject({
      completionMode: 'Indexed',
      completions: 4,
      parallelism: 2,
      backoffLimitPerIndex: 2,
    });
    expect(createJob?.spec?.backoffLimit).toBeUndefined();
    const args = createJob!.spec!.template.spec!.containers[0]!.args!;
    expect(JSON.parse(args[args.indexOf('--search') + 1]!)).toEqual(search);
    expect(args.slice(args.indexOf('--seed'), args.indexOf('--seed') + 2)).toEqual(['--seed', '7']);
  });

  it('shows progress while trials run', () => {
    const { status } = decideTrainingRun({
      run: searchRun,
      job: indexedJob({ active: 2, startTime: now }),
      pods: [trialPod(1, trialMessage(1, 0.2))],
      now,
      settings,
    });
    expect(status).toMatchObject({
      phase: 'Running',
      message: '1/4 trials finished',
      search: { progress: '1/4', best: { index: 1, value: 0.2 } },
    });
  });

  it("takes the best trial's metrics and artifact as the run's once the Job completed", () => {
    const pods = [0, 1, 2, 3].map((index) => trialPod(index, trialMessage(index, [0.2, 0.4, 0.3, 0.1][index]!)));
    const complete = [{ type: 'Complete', status: 'True', lastTransitionTime: now }];
    const { status } = decideTrainingRun({
      run: searchRun,
      job: indexedJob({ conditions: complete, completedIndexes: '0-3', completionTime: now }),
      pods,
      now,
      settings,
    });
    expect(status).toMatchObject({
      phase: 'Succeeded',
      metrics: { ndcgAt10: 0.2 },
      artifact: { uri: 's3://m/movielens/reco/search-1/trial-1', digest: 'sha256:1' },
      rankingModel: 'ease',
      search: { progress: '4/4', best: { index: 1, value: 0.4 } },
    });
    expect(status.message).toMatch(/^trial 1 best of 4: /);
    // The records of the run's result are the best trial's: what promotions name in MySQL.
    expect(status.runId).toBe('reco/search-1/trial-1');
    const again = decideTrainingRun({ run: { ...searchRun, status }, job: undefined, pods: [], now, settings });
    expect(again.status.runId).toBe('reco/search-1/trial-1');
  });

  it('ends a search whose Job failed some trials with the best of the others; fails it when none measured', () => {
    const failedIndexes = [{ type: 'Failed', status: 'True', reason: 'FailedIndexes', lastTransitionTime: now }];
    const decide = (pods: V1Pod[]) =>
      decideTrainingRun({
        run: searchRun,
        job: indexedJob({ conditions: failedIndexes, completedIndexes: '0,2-3', failedIndexes: '1' }),
        pods,
        now,
        settings,
      }).status;
    const pods = [0, 2, 3].map((index) => trialPod(index, trialMessage(index, [0.2, 0, 0.3, 0.1][index]!)));
    expect(decide(pods)).toMatchObject({
      phase: 'Succeeded',
      artifact: { digest: 'sha256:2' },
      search: {
        finished: 4,
        best: { index: 2 },
        trials: expect.arrayContaining([{ index: 1, state: 'Failed', message: expect.any(String) }]),
      },
    });
    expect(decide([])).toMatchObject({ phase: 'Failed', message: expect.stringMatching(/FailedIndexes|failed/) });
  });

  it('fails a completed search in which no trial measured the objective', () => {
    const complete = [{ type: 'Complete', status: 'True', lastTransitionTime: now }];
    const { status } = decideTrainingRun({
      run: searchRun,
      job: indexedJob({ conditions: complete, completedIndexes: '0-3' }),
      pods: [],
      now,
      settings,
    });
    expect(status.phase).toBe('Failed');
    expect(status.message).toMatch(/no trial of 4 measured validationNdcgAt10/);
  });
});
