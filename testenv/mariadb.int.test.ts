import knex, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './fixtures.ts';

/** A migration of the smoke test's own; the project's real migrations live in storage/. */
const smokeMigrations: Knex.MigrationSource<string> = {
  getMigrations: async () => ['0001_smoke_ratings'],
  getMigrationName: (name) => name,
  getMigration: async () => ({
    up: (db) =>
      db.schema.createTable('smoke_ratings', (t) => {
        t.integer('user_id').notNullable();
        t.integer('movie_id').notNullable();
        t.decimal('rating', 2, 1).notNullable();
        t.primary(['user_id', 'movie_id']);
      }),
    down: (db) => db.schema.dropTable('smoke_ratings'),
  }),
};

describe('MariaDB from the test environment', () => {
  let database: TestDatabase;
  let db: Knex;
  beforeAll(async () => {
    database = await createTestDatabase('smoke');
    db = knex({ client: 'mysql2', connection: database.url, pool: { min: 0, max: 2 } });
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('gives each test file its own database on loopback', () => {
    expect(new URL(database.url).hostname).toBe('127.0.0.1');
    expect(database.database).toMatch(/^mr_smoke_[0-9a-f]{8}$/);
  });

  it('applies a knex migration and rolls it back', async () => {
    const config = { migrationSource: smokeMigrations };
    const [, applied] = await db.migrate.latest(config);
    expect(applied).toEqual(['0001_smoke_ratings']);
    await db('smoke_ratings').insert({ user_id: 1, movie_id: 2, rating: 4.5 });
    expect(await db('smoke_ratings').select('rating')).toEqual([{ rating: '4.5' }]);

    const [, rolledBack] = await db.migrate.rollback(config);
    expect(rolledBack).toEqual(['0001_smoke_ratings']);
    expect(await db.schema.hasTable('smoke_ratings')).toBe(false);
  });
});
