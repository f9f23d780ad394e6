import { createTestDatabase } from '../testenv/fixtures.ts';
import { openDatabase, type Database } from './database.ts';

/** A database for one suite of the storage contracts, and how to be rid of it. */
export interface SuiteDatabase {
  db: Database;
  cleanup(): Promise<void>;
}

/** A fresh database on the test MariaDB, dropped by cleanup. */
export async function mariadbSuiteDatabase(name: string): Promise<SuiteDatabase> {
  const testDb = await createTestDatabase(name);
  const db = await openDatabase(testDb.url);
  return {
    db,
    async cleanup() {
      await db.close();
      await testDb.drop();
    },
  };
}
