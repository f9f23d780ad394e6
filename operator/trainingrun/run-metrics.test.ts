import { describe, expect, it } from 'vitest';
import type { TrainingRun } from '../api/resources.ts';
import { runSamples } from './run-metrics.ts';

const run = (name: string, status: TrainingRun['status']): TrainingRun =>
  ({
    apiVersion: 'reco.mlops.dev/v1alpha1',
    kind: 'TrainingRun',
    metadata: { name, namespace: 'ns' },
    spec: { model: 'movielens' },
    status,
  }) as TrainingRun;

describe('runSamples', () => {
  it('exports the metrics of succeeded runs and the wall time of finished ones', () => {
    const samples = runSamples([
      run('a', {
        phase: 'Succeeded',
        startTime: '2026-11-25T10:00:00Z',
        completionTime: '2026-11-25T10:00:42Z',
        metrics: { rmse: 0.84, ndcgAt10: 0.25 },
      }),
      run('b', {
        phase: 'Failed',
        startTime: '2026-11-25T10:00:00Z',
        completionTime: '2026-11-25T10:00:05Z',
        metrics: { rmse: 9 },
      }),
      run('c', { phase: 'Running', startTime: '2026-11-25T10:00:00Z' }),
    ]);
    expect(samples).toEqual([
      {
        labels: { namespace: 'ns', run: 'a', model: 'movielens' },
        metrics: { rmse: 0.84, ndcgAt10: 0.25 },
        durationSeconds: 42,
      },
      { labels: { namespace: 'ns', run: 'b', model: 'movielens' }, metrics: {}, durationSeconds: 5 },
    ]);
  });
});
