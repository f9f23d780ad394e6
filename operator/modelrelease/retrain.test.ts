import { describe, expect, it } from 'vitest';
import type { ModelRelease, TrainingRun } from '../api/resources.ts';
import { decideRetrain, ratingsMark } from './retrain.ts';

const now = new Date('2026-11-25T12:00:30Z');
const template = { backendSecretRef: { name: 'backend' }, algorithm: { name: 'svd' as const, factors: 32 } };

const release = (
  retrain: NonNullable<ModelRelease['spec']['retrain']>,
  status: ModelRelease['status'] = {},
): ModelRelease => ({
  apiVersion: 'reco.mlops.dev/v1alpha1',
  kind: 'ModelRelease',
  metadata: { name: 'movielens', namespace: 'reco' },
  spec: { model: 'movielens', retrain },
  status,
});

const run = (n: number, phase?: 'Pending' | 'Succeeded' | 'Failed', completionTime?: string): TrainingRun => ({
  apiVersion: 'reco.mlops.dev/v1alpha1',
  kind: 'TrainingRun',
  metadata: { name: `movielens-${n}` },
  spec: { model: 'movielens', backendSecretRef: { name: 'backend' } },
  status: { ...(phase ? { phase } : {}), ...(completionTime ? { completionTime } : {}) },
});

describe('decideRetrain', () => {
  it('starts a run from the template once enough new ratings arrived, named after the release', () => {
    const decision = decideRetrain({
      release: release({ minNewRatings: 100, template }),
      ownedRuns: [run(1, 'Succeeded', '2026-11-20T00:00:00Z')],
      newRatings: 150,
      now,
    });
    expect(decision.create?.metadata).toMatchObject({
      name: 'movielens-2',
      labels: { 'reco.mlops.dev/model-release': 'movielens' },
    });
    expect(decision.create?.spec).toEqual({ ...template, model: 'movielens' });
    expect(decision.requeueAfterMs).toBe(60_000);
    expect(decision.events[0]).toMatchObject({ reason: 'RetrainStarted' });
  });

  it('counts new ratings as often as the operator is told to', () => {
    const decision = decideRetrain({
      release: release({ minNewRatings: 100, template }),
      ownedRuns: [],
      newRatings: 10,
      now,
      ratingsPollMs: 2000,
    });
    expect(decision.create).toBeUndefined();
    expect(decision.requeueAfterMs).toBe(2000);
  });

  it('waits while too few ratings arrived, and while a run of the release is unfinished', () => {
    expect(
      decideRetrain({ release: release({ minNewRatings: 100, template }), ownedRuns: [], newRatings: 99, now }).create,
    ).toBeUndefined();
    expect(
      decideRetrain({ release: release({ minNewRatings: 100, template }), ownedRuns: [], newRatings: undefined, now })
        .create,
    ).toBeUndefined();
    expect(
      decideRetrain({
        release: release({ minNewRatings: 100, template }),
        ownedRuns: [run(1, 'Pending'), run(2)],
        newRatings: 5000,
        now,
      }).create,
    ).toBeUndefined();
  });

  it("waits while any run of the model is unfinished, such as a chart's first run the release does not own", () => {
    const firstRun = { ...run(0, 'Pending'), metadata: { name: 'movielens-initial' } };
    const inputs = { release: release({ minNewRatings: 10_000, template }), ownedRuns: [], newRatings: 20_000, now };
    expect(decideRetrain({ ...inputs, modelRuns: [firstRun] }).create).toBeUndefined();
    const finished = { ...firstRun, status: { phase: 'Succeeded' as const } };
    expect(decideRetrain({ ...inputs, modelRuns: [finished] }).create?.metadata.name).toBe('movielens-1');
  });

  it("counts new ratings from the champion's snapshot, else from the newest finished run's, else from 0", () => {
    const withSnapshot = (n: number, phase: 'Pending' | 'Succeeded' | 'Failed', maxRatingId: number) => {
      const base = run(n, phase);
      return { ...base, status: { ...base.status, dataset: { ratings: 1, users: 1, movies: 1, maxRatingId } } };
    };
    const runs = [
      withSnapshot(1, 'Succeeded', 20_000),
      withSnapshot(2, 'Failed', 35_000),
      withSnapshot(3, 'Pending', 50_000),
    ];
    expect(ratingsMark('movielens-1', runs)).toBe(20_000);
    // No champion (every run rejected so far): a rejected run must not start another at once.
    expect(ratingsMark(undefined, runs)).toBe(35_000);
    expect(ratingsMark(undefined, [run(1, 'Failed')])).toBe(0);
    expect(ratingsMark(undefined, [])).toBe(0);
  });

  it('on a schedule: sets the next slot, runs when it is due, then moves to the following one', () => {
    const first = decideRetrain({
      release: release({ schedule: '0 3 * * *', template }),
      ownedRuns: [],
      newRatings: undefined,
      now,
    });
    expect(first).toMatchObject({ create: undefined, nextRetrainTime: '2026-11-26T03:00:00.000Z' });
    expect(first.requeueAfterMs).toBe(new Date('2026-11-26T03:00:00Z').getTime() - now.getTime());
    const due = decideRetrain({
      release: release({ schedule: '0 3 * * *', template }, { nextRetrainTime: '2026-11-25T03:00:00.000Z' }),
      ownedRuns: [],
      newRatings: undefined,
      now,
    });
    expect(due.create?.metadata.name).toBe('movielens-1');
    expect(due.nextRetrainTime).toBe('2026-11-26T03:00:00.000Z');
  });

  it('skips a due slot without enough new ratings (retraining on the same data changes nothing)', () => {
    const decision = decideRetrain({
      release: release(
        { schedule: '0 3 * * *', minNewRatings: 1000, template },
        { nextRetrainTime: '2026-11-25T03:00:00.000Z' },
      ),
      ownedRuns: [],
      newRatings: 10,
      now,
    });
    expect(decision.create).toBeUndefined();
    expect(decision.nextRetrainTime).toBe('2026-11-26T03:00:00.000Z');
    expect(decision.events[0]).toMatchObject({ reason: 'RetrainSkipped' });
  });

  it('deletes the oldest finished runs beyond historyLimit, never the champion', () => {
    const runs = [
      run(1, 'Succeeded', '2026-11-01T00:00:00Z'),
      run(2, 'Failed', '2026-11-02T00:00:00Z'),
      run(3, 'Succeeded', '2026-11-03T00:00:00Z'),
      run(4, 'Succeeded', '2026-11-04T00:00:00Z'),
      run(5, 'Pending'),
    ];
    const decision = decideRetrain({
      release: release({ minNewRatings: 100, historyLimit: 2, template }, { champion: { run: 'movielens-1' } }),
      ownedRuns: runs,
      newRatings: 0,
      now,
    });
    expect(decision.deleteRuns).toEqual(['movielens-2']);
  });

  it('keeps the champion before the current one too: its artifact is the rollback', () => {
    const runs = [1, 2, 3, 4].map((n) => run(n, 'Succeeded', `2026-11-0${n}T00:00:00Z`));
    const decision = decideRetrain({
      release: release(
        { minNewRatings: 100, historyLimit: 1, template },
        { champion: { run: 'movielens-4' }, history: [{ run: 'movielens-4' }, { run: 'movielens-2' }] },
      ),
      ownedRuns: runs,
      newRatings: 0,
      now,
    });
    expect(decision.deleteRuns).toEqual(['movielens-3', 'movielens-1']);
  });

  it('takes the higher run number as the newer of runs finished within the same second', () => {
    const second = '2026-11-04T00:00:00Z';
    const runs = [run(8, 'Succeeded', second), run(10, 'Succeeded', second), run(9, 'Succeeded', second)];
    const decision = decideRetrain({
      release: release({ minNewRatings: 100, historyLimit: 1, template }, { champion: { run: 'movielens-10' } }),
      ownedRuns: runs,
      newRatings: 0,
      now,
    });
    expect(decision.deleteRuns).toEqual(['movielens-9', 'movielens-8']);
  });
});
