import type { Knex } from 'knex';
import type { Database } from './database.ts';

/**
 * Inserts `row` unless `find` (the same event, under a unique index) finds one; either way
 * returns the stored row. A writer that lost the race to another one reads the winner's row.
 */
export async function insertOnce<Row extends { id: number | string }>(
  db: Database,
  table: string,
  find: (query: Knex.QueryBuilder) => Knex.QueryBuilder,
  row: Omit<Row, 'id'>,
): Promise<Omit<Row, 'id'> & { id: number | string }> {
  const stored = (): Promise<Row | undefined> => find(db.knex(table)).first();
  const existing = await stored();
  if (existing) return existing;
  try {
    const [id] = await db.knex(table).insert(row);
    return { ...row, id: id! };
  } catch (error) {
    const winner = await stored();
    if (winner) return winner;
    throw error;
  }
}
