import type { Database } from './database.ts';

/**
 * Inserts `row` unless a row with the same `key` columns (a unique index) is there; either way
 * returns the stored row. A writer that lost the race to another one reads the winner's row.
 */
export async function insertOnce(db: Database, table: string, key: Record<string, unknown>, row: Record<string, unknown>): Promise<Record<string, any>> {
  const stored = () => db.knex(table).where(key).first();
  const existing = await stored();
  if (existing) return existing;
  try {
    const [id] = await db.knex(table).insert(row);
    return { ...row, id };
  } catch (error) {
    const winner = await stored();
    if (winner) return winner;
    throw error;
  }
}
