import { existsSync } from 'node:fs';
import { SHARED_DATASETS_DIR } from '../data/download.ts';
import { openDatabase, type Database } from '../storage/database.ts';
import { migrateToLatest } from '../storage/migrations.ts';
import { openObjectStore, s3ConfigFromEnv } from '../storage/open-object-store.ts';
import type { ObjectStore } from '../storage/object-store.ts';

/**
 * MOVIELENS_DIR, or the shared datasets folder beside the repository when it exists (as on the
 * project's machines); otherwise undefined and datasets are downloaded from GroupLens.
 */
export function movielensDirEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (env.MOVIELENS_DIR) return env;
  return existsSync(SHARED_DATASETS_DIR) ? { ...env, MOVIELENS_DIR: SHARED_DATASETS_DIR } : env;
}

/** Opens the database and brings its schema up to date. */
export async function openMigratedDatabase(url: string): Promise<Database> {
  const db = await openDatabase(url);
  try {
    await migrateToLatest(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

/** The store a command writes artifacts to; on S3 it makes the bucket when missing (a fresh MinIO has none). */
export function openStore(uri: string): ObjectStore {
  const s3 = s3ConfigFromEnv();
  return openObjectStore(uri, s3 ? { s3: { ...s3, createBucket: true } } : {});
}
