import type { Knex } from 'knex';
import type { Database } from './database.ts';

/**
 * Inserts `row` unless `find` (the same event, under a unique index) finds one; either way
 * returns the stored row. A writer that lost the race to another one reads the winner's row.
 */
export async function insertOnce(
  db: Database,
  table: string,
  find: (query: Knex.QueryBuilder) => Knex.QueryBuilder,
  row: Record<string, unknown>,
): Promise<Record<string, any>> {
  const stored = () => find(db.knex(table)).first();
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
