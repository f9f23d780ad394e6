import { createTestDatabase } from '../testenv/fixtures.ts';
import { describeDatabase } from './database-contract.ts';
import { openDatabase } from './database.ts';

describeDatabase('mysql (MariaDB)', async () => {
  const testDb = await createTestDatabase('storage');
  const db = await openDatabase(testDb.url);
  return {
    db,
    async cleanup() {
      await db.close();
      await testDb.drop();
    },
  };
});
