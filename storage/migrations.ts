import type { Knex } from 'knex';
import type { Database } from './database.ts';
import * as initialSchema from './migrations/001-initial-schema.ts';
import * as gateDecisions from './migrations/002-gate-decisions.ts';
import * as recordsOnce from './migrations/003-records-once.ts';
import * as runRankingModel from './migrations/004-run-ranking-model.ts';
import * as searchTrials from './migrations/005-search-trials.ts';
import * as searchObjective from './migrations/006-search-objective.ts';

interface Migration {
  readonly name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** In order. A new migration is a new module appended here; a released one never changes. */
const MIGRATIONS: readonly Migration[] = [
  { name: '001-initial-schema', ...initialSchema },
  { name: '002-gate-decisions', ...gateDecisions },
  { name: '003-records-once', ...recordsOnce },
  { name: '004-run-ranking-model', ...runRankingModel },
  { name: '005-search-trials', ...searchTrials },
  { name: '006-search-objective', ...searchObjective },
];

/** Explicit list instead of a folder scan: works the same from source, a bundle or a container. */
const migrationSource: Knex.MigrationSource<Migration> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: (migration) => migration.name,
  getMigration: async (migration) => migration,
};

const config: Knex.MigratorConfig = { migrationSource, tableName: 'knex_migrations' };

/** Applies every pending migration; returns the names applied. */
export async function migrateToLatest(db: Database): Promise<string[]> {
  const [, applied] = (await db.knex.migrate.latest(config)) as [number, string[]];
  return applied;
}

/** Applies the next pending migration only (a step of an upgrade, e.g. to test a data migration); returns its name. */
export async function migrateUp(db: Database): Promise<string[]> {
  const [, applied] = (await db.knex.migrate.up(config)) as [number, string[]];
  return applied;
}

/** Reverts the last batch of migrations, or all of them; returns the names reverted. */
export async function migrateDown(db: Database, options: { all?: boolean } = {}): Promise<string[]> {
  const [, reverted] = (await db.knex.migrate.rollback(config, options.all ?? false)) as [number, string[]];
  return reverted;
}

/** Names of applied and pending migrations. */
export async function migrationStatus(db: Database): Promise<{ applied: string[]; pending: string[] }> {
  const [applied, pending] = (await db.knex.migrate.list(config)) as [Array<{ name: string }>, Migration[]];
  return { applied: applied.map((m) => m.name), pending: pending.map((m) => m.name) };
}
