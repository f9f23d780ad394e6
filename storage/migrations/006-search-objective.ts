import type { Knex } from 'knex';

/**
 * The objective each trial was measured by (its metric and which way is better), so that a reader
 * of the records (the web page's Models view) can name the best trial without the TrainingRun.
 * Trials recorded before this migration have none.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('search_trials', (table) => {
    table.string('objective_metric', 32).nullable();
    table.string('objective_direction', 8).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  // As in 004: both MySQL and SQLite (3.35+) drop a column in place.
  await knex.raw('ALTER TABLE search_trials DROP COLUMN objective_direction');
  await knex.raw('ALTER TABLE search_trials DROP COLUMN objective_metric');
}
