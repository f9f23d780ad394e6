/** The trainer's behaviour, run against whichever database and object store a test file provides. */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createLogger } from '../common/log.ts';
import { openDataset } from '../data/dataset.ts';
import { movielensDir } from '../data/test-files.ts';
import { defaultTrainConfig } from '../model/train.ts';
import { readArtifact } from '../storage/artifact-store.ts';
import { loadDataset } from '../storage/bulk-load.ts';
import type { Database } from '../storage/database.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { getRun, listEpochs } from '../storage/training-runs.ts';
import { runTraining } from './run-training.ts';

const quiet = createLogger({}, { write: () => {} });
const config = { ...defaultTrainConfig, factors: { ...defaultTrainConfig.factors, factors: 32, epochs: 30 } };

export function trainingScenarios(backends: () => { db: Database; store: ObjectStore }): void {
  it('trains on a bounded snapshot, writes a verifiable artifact and records the run', async () => {
    const { db, store } = backends();
    await loadDataset(db, await openDataset(join(movielensDir(), 'ml-100k')), { batches: 5 });
    const result = await runTraining({
      db,
      store,
      model: 'movielens',
      runId: 'run-a',
      bound: { upToBatch: 3 },
      config,
      testFraction: 0.2,
      log: quiet,
    });
    expect(result.dataset.ratings).toBe(60_000);
    expect(result.metrics.testRatings).toBe(12_000);
    expect(result.metrics.rmse).toBeLessThan(1);
    const run = await getRun(db, 'run-a');
    expect(run?.status).toBe('Succeeded');
    expect(run?.dataset?.ratings).toBe(60_000);
    expect(run?.metrics.rmse).toBeCloseTo(result.metrics.rmse, 6);
    expect(run?.artifact).toEqual(result.artifact);
    const epochs = await listEpochs(db, 'run-a');
    expect(epochs.length).toBeGreaterThan(3);
    expect(epochs.every((epoch) => epoch.validationRmse !== null)).toBe(true);
    const loaded = await readArtifact(store, 'movielens/run-a', result.artifact.digest);
    expect(loaded.manifest.run).toBe('run-a');
    expect(loaded.manifest.dataSnapshot.ratings).toBe(60_000);
    expect(loaded.model.factors.users.size).toBeGreaterThan(500);
  });

  it('marks the run Failed with the reason when there is nothing to train on', async () => {
    const { db, store } = backends();
    await expect(
      runTraining({
        db,
        store,
        model: 'movielens',
        runId: 'run-empty',
        bound: {},
        config,
        testFraction: 0.2,
        log: quiet,
      }),
    ).rejects.toThrow(/nothing to train on/);
    const run = await getRun(db, 'run-empty');
    expect(run?.status).toBe('Failed');
    expect(run?.message).toMatch(/snapshot holds 0 ratings/);
    expect(await store.list('movielens/run-empty')).toEqual([]);
  });
}
