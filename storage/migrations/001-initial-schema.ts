import type { Knex } from 'knex';

/**
 * Ratings are keyed by (user_id, movie_id): a new rating of a movie the user already rated
 * replaces the old one (REPLACE semantics, see ratings-table.ts) and takes a new id, so the id
 * orders ratings by when their current value was written: a snapshot is "ids up to N", and
 * "new ratings since a snapshot" counts both new pairs and changed ones.
 */
export async function up(knex: Knex): Promise<void> {
  const mysql = knex.client.config.client === 'mysql2';
  // DATETIME(3) defaults need the precision on MySQL; SQLite rejects CURRENT_TIMESTAMP(3).
  const now = mysql ? knex.fn.now(3) : knex.fn.now();
  // Every table utf8mb4 on MySQL: titles need it, and foreign keys need matching charsets.

  await knex.schema.createTable('movies', (table) => {
    if (mysql) table.charset('utf8mb4');
    table.integer('movie_id').primary();
    table.string('title', 512).notNullable();
    /** MovieLens genres joined by `|`, e.g. `Adventure|Comedy`. */
    table.string('genres', 512).notNullable().defaultTo('');
  });

  await knex.schema.createTable('ratings', (table) => {
    if (mysql) table.charset('utf8mb4');
    table.bigIncrements('id');
    table.integer('user_id').notNullable();
    table.integer('movie_id').notNullable();
    // Half stars are exact in single precision.
    table.specificType('rating', 'float').notNullable();
    // Unix seconds, as MovieLens gives them: integers read millions of times faster than DATETIMEs.
    table.bigInteger('rated_at').notNullable();
    // Load batch (1, 2, ...) for bulk-loaded ratings; NULL for ratings that arrived one by one.
    table.integer('batch').nullable();
    table.datetime('created_at', { precision: 3 }).notNullable().defaultTo(now);
    table.unique(['user_id', 'movie_id'], { indexName: 'ratings_user_movie' });
  });

  await knex.schema.createTable('training_runs', (table) => {
    if (mysql) table.charset('utf8mb4');
    table.string('run_id', 255).primary();
    table.string('model', 253).notNullable();
    table.string('status', 16).notNullable();
    table.integer('attempts').notNullable().defaultTo(1);
    table.text('params').notNullable();
    table.bigInteger('snapshot_max_rating_id').nullable();
    table.integer('snapshot_up_to_batch').nullable();
    table.bigInteger('snapshot_rated_before').nullable();
    table.integer('dataset_ratings').nullable();
    table.integer('dataset_users').nullable();
    table.integer('dataset_movies').nullable();
    for (const metric of [
      'rmse',
      'mae',
      'precision_at_10',
      'recall_at_10',
      'ndcg_at_10',
      'coverage',
      'train_seconds',
    ]) {
      table.double(metric).nullable();
    }
    table.string('artifact_uri', 1024).nullable();
    table.string('artifact_digest', 80).nullable();
    table.bigInteger('artifact_size').nullable();
    table.text('message').nullable();
    table.datetime('started_at', { precision: 3 }).notNullable();
    table.datetime('finished_at', { precision: 3 }).nullable();
    table.index(['model', 'status'], 'training_runs_model_status');
  });

  await knex.schema.createTable('epoch_metrics', (table) => {
    if (mysql) table.charset('utf8mb4');
    table.string('run_id', 255).notNullable().references('run_id').inTable('training_runs').onDelete('CASCADE');
    table.integer('epoch').notNullable();
    table.double('train_loss').notNullable();
    table.double('validation_rmse').nullable();
    table.double('seconds').notNullable();
    table.primary(['run_id', 'epoch']);
  });

  await knex.schema.createTable('promotions', (table) => {
    if (mysql) table.charset('utf8mb4');
    table.bigIncrements('id');
    table.string('model', 253).notNullable();
    table.string('run_id', 255).notNullable().references('run_id').inTable('training_runs');
    table.string('previous_run_id', 255).nullable().references('run_id').inTable('training_runs');
    table.text('reason').notNullable();
    table.string('metric', 32).notNullable();
    table.double('metric_value').nullable();
    table.double('previous_metric_value').nullable();
    table.datetime('promoted_at', { precision: 3 }).notNullable();
    table.index(['model', 'promoted_at'], 'promotions_model_time');
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['promotions', 'epoch_metrics', 'training_runs', 'ratings', 'movies']) {
    await knex.schema.dropTableIfExists(table);
  }
}
