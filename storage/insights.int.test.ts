import { createTestDatabase } from '../testenv/fixtures.ts';
import { describeInsights } from './insights-contract.ts';
import { openDatabase } from './database.ts';

describeInsights('mysql (MariaDB)', async () => {
  const testDb = await createTestDatabase('insights');
  const db = await openDatabase(testDb.url);
  return {
    db,
    async cleanup() {
      await db.close();
      await testDb.drop();
    },
  };
});
