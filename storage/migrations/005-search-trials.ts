import type { Knex } from 'knex';

/**
 * The trials of a hyperparameter search: each trial is a training run of its own (its epochs and
 * results in training_runs and epoch_metrics); this row ties it to its search with its index, the
 * values it tried, how it ended (Succeeded, Stopped by the median rule, Failed) and its objective.
 */
export async function up(knex: Knex): Promise<void> {
  const mysql = knex.client.config.client === 'mysql2';
  await knex.schema.createTable('search_trials', (table) => {
    if (mysql) table.charset('utf8mb4');
    table.string('run_id', 255).primary().references('run_id').inTable('training_runs').onDelete('CASCADE');
    table.string('search_run_id', 255).notNullable();
    table.integer('trial_index').notNullable();
    table.string('state', 16).notNullable();
    table.text('parameters').notNullable();
    table.double('objective_value').nullable();
    table.integer('stopped_at_epoch').nullable();
    table.unique(['search_run_id', 'trial_index'], { indexName: 'search_trials_search_index' });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('search_trials');
}
