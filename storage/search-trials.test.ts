import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from './database.ts';
import { migrateDown, migrateToLatest } from './migrations.ts';
import { listTrials, recordTrial, trialCurves, trialRunId } from './search-trials.ts';
import { recordEpoch, startRun } from './training-runs.ts';

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
  async function trainTrial(index: number, curve: (number | null)[]) {
    const runId = trialRunId(search, index);
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
    };
    const succeeded = {
      runId: zeroth,
      searchRunId: search,
      index: 0,
      state: 'Succeeded' as const,
      parameters: { factors: 32, algorithm: 'blend' },
      objectiveValue: 0.88,
      stoppedAtEpoch: null,
    };
    await recordTrial(db, { ...stopped, state: 'Failed', objectiveValue: null, stoppedAtEpoch: null });
    await recordTrial(db, stopped);
    await recordTrial(db, succeeded);
    expect(await listTrials(db, search)).toEqual([succeeded, stopped]);
    expect(await listTrials(db, 'ns/other')).toEqual([]);
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

  it('goes down and up again', async () => {
    expect(await migrateDown(db)).toContain('005-search-trials');
    await migrateToLatest(db);
    expect(await listTrials(db, search)).toEqual([]);
  });
});
