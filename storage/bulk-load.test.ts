import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDataset, readRatings } from '../data/dataset.ts';
import { movielensDir } from '../data/test-files.ts';
import { loadDataset } from './bulk-load.ts';
import { openDatabase, type Database } from './database.ts';
import { migrateToLatest } from './migrations.ts';
import { countRatings } from './ratings-table.ts';
import { readRatingsSnapshot } from './ratings-snapshot.ts';

describe('loading a dataset one delivery at a time', () => {
  let db: Database;
  beforeEach(async () => {
    db = await openDatabase('sqlite::memory:');
    await migrateToLatest(db);
  });
  afterEach(() => db.close());

  it('loads the first of five batches, then the rest, ending where a full load ends', async () => {
    const dir = join(movielensDir(), 'ml-latest-small');
    const first = await loadDataset(db, await openDataset(dir), { batches: 5, only: { from: 1, to: 1 } });
    expect(first.ratings).toBe(20_168);
    expect(first.batches.map((b) => b.batch)).toEqual([1]);
    expect((await countRatings(db)).ratings).toBe(20_168);
    expect((await countRatings(db, { upToBatch: 1 })).ratings).toBe(20_168);

    const rest = await loadDataset(db, await openDataset(dir), { batches: 5, only: { from: 2, to: 5 } });
    expect(rest.batches.map((b) => [b.batch, b.ratings])).toEqual([
      [2, 20_167],
      [3, 20_167],
      [4, 20_167],
      [5, 20_167],
    ]);
    const snapshot = await readRatingsSnapshot(db);
    expect(snapshot.counts).toEqual({ ratings: 100_836, users: 610, movies: 9_724 });
    const times = snapshot.ratings.timestamps;
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
    expect(snapshot.ratings.length).toBe((await readRatings(dir)).length);
  });
});
