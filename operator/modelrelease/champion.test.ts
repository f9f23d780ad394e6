import { describe, expect, it } from 'vitest';
import type { TrainingRun } from '../api/resources.ts';
import { candidateOf, selectChampion, type Candidate } from './champion.ts';

const run = (name: string, rmse: number, ndcgAt10: number, finishedAt: string, ratings = 100_000): Candidate => ({
  name,
  runId: `id-${name}`,
  metrics: { rmse, mae: rmse * 0.78, ndcgAt10, precisionAt10: ndcgAt10 * 0.8 },
  artifact: { uri: `s3://models/${name}`, digest: `sha256:${name}` },
  ratings,
  finishedAt,
});

const a = run('a', 0.9, 0.1, '2026-11-01T00:00:00Z');
const b = run('b', 0.87, 0.12, '2026-11-02T00:00:00Z');
const c = run('c', 0.88, 0.11, '2026-11-03T00:00:00Z');

describe('selectChampion', () => {
  it('promotes the best run by ndcgAt10 (the default metric) when there is no champion', () => {
    const decision = selectChampion(undefined, [a, b, c], undefined);
    expect(decision.champion?.name).toBe('b');
    expect(decision).toMatchObject({ changed: true, judged: { run: 'b', outcome: 'Promoted' } });
  });

  it('reads rmse and mae as lower-is-better', () => {
    expect(selectChampion({ metric: 'rmse' }, [a, c], undefined).champion?.name).toBe('c');
  });

  it('rejects a worse new run with the reason and keeps the champion', () => {
    const worse = run('d', 0.95, 0.09, '2026-11-04T00:00:00Z');
    const decision = selectChampion({ metric: 'ndcgAt10' }, [a, b, c, worse], 'b');
    expect(decision).toMatchObject({
      changed: false,
      judged: { run: 'd', outcome: 'Rejected', reason: 'ndcgAt10 0.09 is not better than champion b (0.12)' },
    });
    expect(decision.champion?.name).toBe('b');
  });

  it('does not judge again runs that finished before the champion was promoted', () => {
    const decision = selectChampion({ metric: 'ndcgAt10' }, [a, b, c], 'b', '2026-11-10T00:00:00Z');
    expect(decision).toMatchObject({ changed: false, judged: undefined, champion: { name: 'b' } });
  });

  it('promotes a challenger only when it beats the champion by minImprovement', () => {
    const slightly = run('e', 0.86, 0.123, '2026-11-05T00:00:00Z');
    const kept = selectChampion({ metric: 'ndcgAt10', minImprovement: 0.005 }, [b, slightly], 'b');
    expect(kept).toMatchObject({
      changed: false,
      judged: {
        run: 'e',
        outcome: 'Rejected',
        reason: expect.stringMatching(/by only 0.003, less than minImprovement 0.005/),
      },
    });
    const promoted = selectChampion({ metric: 'ndcgAt10', minImprovement: 0.002 }, [b, slightly], 'b');
    expect(promoted).toMatchObject({ changed: true, judged: { run: 'e', outcome: 'Promoted' } });
  });

  it('never promotes a run that fails a gate, and says which', () => {
    const good = run('f', 0.95, 0.2, '2026-11-06T00:00:00Z');
    const decision = selectChampion({ metric: 'ndcgAt10', gates: { maxRmse: 0.92 } }, [b, good], 'b');
    expect(decision).toMatchObject({
      changed: false,
      judged: { run: 'f', outcome: 'Rejected', reason: 'rmse 0.95 is above the gate maxRmse 0.92' },
    });
    const small = run('g', 0.8, 0.3, '2026-11-07T00:00:00Z', 500);
    expect(selectChampion({ gates: { minRatings: 1000 } }, [small], undefined)).toMatchObject({
      champion: undefined,
      judged: { outcome: 'Rejected', reason: expect.stringMatching(/fewer than the gate minRatings 1000/) },
    });
  });

  it('serves exactly the pinned run (rollback), even a worse one, and reports a missing pin', () => {
    expect(selectChampion({ pinnedRun: 'a' }, [a, b, c], 'b')).toMatchObject({
      champion: { name: 'a' },
      changed: true,
      judged: { outcome: 'Pinned' },
    });
    expect(selectChampion({ pinnedRun: 'a' }, [a, b, c], 'a')).toMatchObject({ changed: false, judged: undefined });
    const missing = selectChampion({ pinnedRun: 'zz' }, [a, b], 'b');
    expect(missing).toMatchObject({
      champion: { name: 'b' },
      changed: false,
      problem: { reason: 'PinnedRunUnavailable' },
    });
  });

  it('is stable: the same inputs with the new champion change nothing', () => {
    const first = selectChampion(undefined, [a, b, c], undefined);
    const second = selectChampion(undefined, [a, b, c], first.champion!.name);
    expect(second.changed).toBe(false);
    expect(second.champion?.name).toBe('b');
  });
});

describe('candidateOf', () => {
  const succeeded = (status: Record<string, unknown>) =>
    ({
      apiVersion: 'movie-reco.dev/v1alpha1',
      kind: 'TrainingRun',
      metadata: { name: 'run-b', namespace: 'reco' },
      spec: { model: 'movielens' },
      status: {
        phase: 'Succeeded',
        metrics: { rmse: 0.9, mae: 0.7, ndcgAt10: 0.1, precisionAt10: 0.08 },
        artifact: { uri: 's3://models/run-b', digest: 'sha256:b' },
        ...status,
      },
    }) as unknown as TrainingRun;

  it('gives the run id the trainer records (namespace/name) before the TrainingRun controller writes it', () => {
    // A release judged the run before and after its status.runId was written: one id for both.
    expect(candidateOf(succeeded({}), 'movielens')?.runId).toBe('reco/run-b');
    expect(candidateOf(succeeded({ runId: 'reco/run-b' }), 'movielens')?.runId).toBe('reco/run-b');
  });
});
