import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe } from 'vitest';
import { openDatabase, type Database } from '../storage/database.ts';
import { LocalObjectStore } from '../storage/local-object-store.ts';
import { migrateToLatest } from '../storage/migrations.ts';
import { trainingScenarios } from './training-scenarios.ts';

describe('the trainer on the embedded default (SQLite, local folder)', () => {
  let dir: string;
  let db: Database;
  let store: LocalObjectStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'movie-reco-trainer-'));
    db = await openDatabase(join(dir, 'db.sqlite'));
    await migrateToLatest(db);
    store = new LocalObjectStore(join(dir, 'artifacts'));
  });
  afterEach(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });
  trainingScenarios(() => ({ db, store }));
});
