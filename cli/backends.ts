import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, type Database } from '../storage/database.ts';
import { migrateToLatest } from '../storage/migrations.ts';
import { openObjectStore, s3ConfigFromEnv } from '../storage/open-object-store.ts';
import type { ObjectStore } from '../storage/object-store.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * MOVIELENS_DIR, or the shared datasets folder beside the repository when it exists (as on the
 * project's machines); otherwise undefined and datasets are downloaded from GroupLens.
 */
export function movielensDirEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (env.MOVIELENS_DIR) return env;
  const shared = join(repoRoot, '..', 'shared', 'datasets');
  return existsSync(shared) ? { ...env, MOVIELENS_DIR: shared } : env;
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

export function openStore(uri: string): ObjectStore {
  const s3 = s3ConfigFromEnv();
  return openObjectStore(uri, s3 ? { s3 } : {});
}
