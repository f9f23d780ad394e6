import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeDatabase } from './database-contract.ts';
import { openDatabase } from './database.ts';

describeDatabase('sqlite (node:sqlite)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'movie-reco-sqlite-'));
  const db = await openDatabase(`sqlite://${join(dir, 'nested', 'reco.db')}`);
  return {
    db,
    async cleanup() {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
