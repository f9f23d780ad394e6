import { afterEach, beforeEach, describe } from 'vitest';
import { openDatabase, type Database } from '../storage/database.ts';
import { migrateToLatest } from '../storage/migrations.ts';
import { S3ObjectStore } from '../storage/s3-object-store.ts';
import {
  createTestBucket,
  createTestDatabase,
  s3Coordinates,
  type TestBucket,
  type TestDatabase,
} from '../testenv/fixtures.ts';
import { trainingScenarios } from './training-scenarios.ts';

describe('the trainer on MySQL (MariaDB) and S3 (MinIO)', () => {
  let database: TestDatabase;
  let bucket: TestBucket;
  let db: Database;
  let store: S3ObjectStore;
  beforeEach(async () => {
    database = await createTestDatabase('trainer');
    bucket = await createTestBucket('trainer');
    db = await openDatabase(database.url);
    await migrateToLatest(db);
    store = new S3ObjectStore(`s3://${bucket.name}/models`, s3Coordinates());
  });
  afterEach(async () => {
    await db.close();
    await database.drop();
    await bucket.remove();
  });
  trainingScenarios(() => ({ db, store }));
});
