import { describe, expect, it } from 'vitest';
import type { ModelRelease, TrainingRun } from '../api/resources.ts';
import { decideRetrain } from './retrain.ts';

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
});
