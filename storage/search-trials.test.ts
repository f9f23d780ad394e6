import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from './database.ts';
import { migrateDown, migrateToLatest } from './migrations.ts';
import { recordPromotion } from './promotions.ts';
import { deleteTrialRecords, listSearches, listTrials, recordTrial, trialCurves, trialRunId } from './search-trials.ts';
import { getRun, listEpochs, recordEpoch, startRun } from './training-runs.ts';

describe('search trials (sqlite)', () => {
  let dir: string;
  let db: Database;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'movie-reco-trials-'));
    db = await openDatabase(`sqlite://${join(dir, 'reco.db')}`);
    await migrateToLatest(db);
  });
  afterAll(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const search = 'ns/search';
  const rmse = { metric: 'validationRmse', direction: 'minimize' } as const;
  async function trainTrial(index: number, curve: (number | null)[], searchRunId = search) {
    const runId = trialRunId(searchRunId, index);
    await startRun(db, { runId, model: 'movielens', params: {} });
    for (const [k, validationRmse] of curve.entries())
      await recordEpoch(db, runId, { epoch: k + 1, trainLoss: 1, validationRmse, seconds: 0.1 });
    return runId;
  }

  it('keeps the trials of a search under its run id, by index, a retry replacing the record', async () => {
    expect(trialRunId(search, 3)).toBe('ns/search/trial-3');
    const first = await trainTrial(1, [1.0, 0.9]);
    const zeroth = await trainTrial(0, [1.1, 1.0, 0.95]);
    const stopped = {
      runId: first,
      searchRunId: search,
      index: 1,
      state: 'Stopped' as const,
      parameters: { factors: 8 },
      objectiveValue: 0.91,
      stoppedAtEpoch: 2,
      objective: rmse,
    };
    const succeeded = {
      runId: zeroth,
      searchRunId: search,
      index: 0,
      state: 'Succeeded' as const,
      parameters: { factors: 32, algorithm: 'blend' },
      objectiveValue: 0.88,
      stoppedAtEpoch: null,
      objective: rmse,
    };
    await recordTrial(db, { ...stopped, state: 'Failed', objectiveValue: null, stoppedAtEpoch: null });
    await recordTrial(db, stopped);
    await recordTrial(db, succeeded);
    expect(await listTrials(db, search)).toEqual([succeeded, stopped]);
    expect(await listTrials(db, 'ns/other')).toEqual([]);
  });

  it("lists a model's searches with their trials and the best by the objective's direction", async () => {
    const [listed, ...others] = await listSearches(db, 'movielens');
    expect(others).toEqual([]);
    expect(listed).toMatchObject({ searchRunId: search, objective: rmse, best: 0 });
    expect(listed!.trials.map((t) => [t.index, t.state, t.objectiveValue, t.stoppedAtEpoch, t.runId])).toEqual([
      [0, 'Succeeded', 0.88, null, trialRunId(search, 0)],
      [1, 'Stopped', 0.91, 2, trialRunId(search, 1)],
    ]);
    expect(listed!.startedAt).toBeInstanceOf(Date);
    // maximize: the other one
    await recordTrial(db, { ...(await listTrials(db, search))[0]!, objective: { ...rmse, direction: 'maximize' } });
    await recordTrial(db, { ...(await listTrials(db, search))[1]!, objective: { ...rmse, direction: 'maximize' } });
    expect((await listSearches(db, 'movielens'))[0]!.best).toBe(1);
    for (const trial of await listTrials(db, search)) await recordTrial(db, { ...trial, objective: rmse });
    expect(await listSearches(db, 'another-model')).toEqual([]);
  });

  it("reads the other recorded trials' validation curves, not its own nor an unrecorded trial's", async () => {
    await trainTrial(2, [0.5, null, 0.4]);
    expect(await trialCurves(db, search, 1)).toEqual(
      new Map([
        [
          0,
          new Map([
            [1, 1.1],
            [2, 1.0],
            [3, 0.95],
          ]),
        ],
      ]),
    );
    expect(await trialCurves(db, search, 2)).toEqual(
      new Map([
        [
          0,
          new Map([
            [1, 1.1],
            [2, 1.0],
            [3, 0.95],
          ]),
        ],
        [
          1,
          new Map([
            [1, 1.0],
            [2, 0.9],
          ]),
        ],
      ]),
    );
  });

  it("deletes a search's trial records but the kept one's and those the promotion history names", async () => {
    const ended = (searchRunId: string, index: number) =>
      recordTrial(db, {
        runId: trialRunId(searchRunId, index),
        searchRunId,
        index,
        state: 'Succeeded',
        parameters: { factors: 8 },
        objectiveValue: 1,
        stoppedAtEpoch: null,
        objective: null,
      });
    const gone = 'ns/gone';
    for (const index of [0, 1, 2, 10]) {
      await trainTrial(index, [1, 0.9], gone);
      await ended(gone, index);
    }
    // a trial killed before it was recorded: its training run only
    await trainTrial(3, [1], gone);
    // `ns/gone_` and `ns/gonex` start with `ns/gone`, and `_` is a LIKE wildcard: neither is touched
    for (const other of ['ns/gone_', 'ns/gonex']) {
      await trainTrial(0, [1], other);
      await ended(other, 0);
    }
    await startRun(db, { runId: gone, model: 'movielens', params: {} });
    await recordPromotion(db, { model: 'movielens', runId: trialRunId(gone, 2), reason: 'test', metric: 'rmse' });

    const deleted = await deleteTrialRecords(db, gone, { index: 1 });
    expect(deleted.sort()).toEqual([0, 10, 3].map((index) => trialRunId(gone, index)).sort());
    expect((await listTrials(db, gone)).map((trial) => trial.index)).toEqual([1, 2]);
    for (const index of [0, 3, 10]) {
      expect(await getRun(db, trialRunId(gone, index))).toBeNull();
      expect(await listEpochs(db, trialRunId(gone, index))).toEqual([]);
    }
    expect(await listEpochs(db, trialRunId(gone, 1))).toHaveLength(2);
    expect(await getRun(db, gone), 'the run itself is history').not.toBeNull();
    for (const other of ['ns/gone_', 'ns/gonex']) expect(await listTrials(db, other)).toHaveLength(1);

    expect(await deleteTrialRecords(db, gone)).toEqual([trialRunId(gone, 1)]);
    expect((await listTrials(db, gone)).map((trial) => trial.index)).toEqual([2]);
  });

  it('goes down and up again', async () => {
    expect(await migrateDown(db)).toEqual(expect.arrayContaining(['005-search-trials', '006-search-objective']));
    await migrateToLatest(db);
    expect(await listTrials(db, search)).toEqual([]);
  });
});
