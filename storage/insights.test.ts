import { describeInsights } from './insights-contract.ts';
import { openDatabase } from './database.ts';

describeInsights('sqlite (node:sqlite)', async () => {
  const db = await openDatabase('sqlite::memory:');
  return { db, cleanup: () => db.close() };
});
