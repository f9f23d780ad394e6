import type { Knex } from 'knex';

/**
 * Which model ranks in a run's artifact (popularity, cooccurrence, ease): the trainer chooses it
 * on the validation slice.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('training_runs', (table) => {
    table.string('ranking_model', 32).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  // Both MySQL and SQLite (3.35+) drop a column in place; knex's SQLite way copies the table,
  // which the foreign keys of recorded promotions refuse.
  await knex.raw('ALTER TABLE training_runs DROP COLUMN ranking_model');
}
