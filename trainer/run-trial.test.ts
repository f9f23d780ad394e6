import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/log.ts';
import { openDataset } from '../data/dataset.ts';
import { movielensDir } from '../data/test-files.ts';
import { defaultTrainConfig } from '../model/train.ts';
import { type SearchSpec, trialParameters } from '../operator/trainingrun/search-parameters.ts';
import { readArtifact } from '../storage/artifact-store.ts';
import { loadDataset } from '../storage/bulk-load.ts';
import { type Database, openDatabase } from '../storage/database.ts';
import { LocalObjectStore } from '../storage/local-object-store.ts';
import { migrateToLatest } from '../storage/migrations.ts';
import { listTrials } from '../storage/search-trials.ts';
import { getRun, listEpochs } from '../storage/training-runs.ts';
import { objectiveValue, runTrial } from './run-trial.ts';

const quiet = createLogger({}, { write: () => {} });

describe('a search trial on the embedded default (SQLite, local folder), ml-100k batches 1-2', () => {
  let dir: string;
  let db: Database;
  let store: LocalObjectStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'movie-reco-trial-'));
    db = await openDatabase(join(dir, 'db.sqlite'));
    await migrateToLatest(db);
    store = new LocalObjectStore(join(dir, 'artifacts'));
    await loadDataset(db, await openDataset(join(movielensDir(), 'ml-100k')), { batches: 5 });
  });
  afterAll(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  // 0.001 learns far slower than the other two: its validation curve is worse at every epoch.
  const search: SearchSpec = {
    objective: { metric: 'validationRmse', direction: 'minimize' },
    method: 'grid',
    parameters: { learningRate: { values: [0.05, 0.04, 0.001] } },
    maxTrials: 3,
    earlyStopping: { minEpochs: 2, minTrials: 2 },
  };
  const trial = (index: number) => {
    const parameters = trialParameters(search, 42, index);
    const base = defaultTrainConfig;
    return runTrial({
      db,
      store,
      model: 'movielens',
      bound: { upToBatch: 2 },
      config: {
        ...base,
        earlyStopping: false,
        factors: { ...base.factors, factors: 16, epochs: 4, learningRate: parameters.learningRate! },
      },
      testFraction: 0.2,
      log: quiet,
      searchRunId: 'ns/search',
      index,
      search,
      parameters,
    });
  };

  it('trains each trial as a run of its own; the median rule stops the slow one after minEpochs', async () => {
    const first = await trial(0);
    const second = await trial(1);
    const slow = await trial(2);
    expect(first.trial).toEqual({
      index: 0,
      state: 'Succeeded',
      parameters: { learningRate: 0.05 },
      value: expect.any(Number),
    });
    expect(second.trial.state).toBe('Succeeded');
    expect(slow.trial).toMatchObject({ index: 2, state: 'Stopped', stoppedAtEpoch: 2 });
    expect(first.trial.value).toBe(objectiveValue('validationRmse', first.validation));
    expect(first.runId).toBe('ns/search/trial-0');

    expect((await listEpochs(db, 'ns/search/trial-0')).length).toBe(4);
    expect((await listEpochs(db, 'ns/search/trial-2')).map((e) => e.epoch)).toEqual([1, 2]);
    const records = await listTrials(db, 'ns/search');
    expect(records.map((r) => [r.index, r.state, r.stoppedAtEpoch])).toEqual([
      [0, 'Succeeded', null],
      [1, 'Succeeded', null],
      [2, 'Stopped', 2],
    ]);
    expect(records[2]!.objectiveValue).toBe(slow.trial.value);
    // a stopped trial still ends with a measured model of its own, under the search run's prefix
    expect((await getRun(db, 'ns/search/trial-2'))?.status).toBe('Succeeded');
    const artifact = await readArtifact(store, 'movielens/ns/search/trial-2', slow.artifact.digest);
    expect(artifact.manifest.run).toBe('ns/search/trial-2');
  });

  it('a trial retried (its pod restarted) replaces its record and counts the attempt', async () => {
    const again = await trial(1);
    expect(again.trial.state).toBe('Succeeded');
    expect((await getRun(db, 'ns/search/trial-1'))?.attempts).toBe(2);
    expect((await listTrials(db, 'ns/search')).map((r) => r.index)).toEqual([0, 1, 2]);
  });
});
