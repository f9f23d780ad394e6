import type { Knex } from 'knex';

/**
 * Every judgement of the release gates, promotions and rejections alike: a log, appended to by
 * the operator once per judgement. `promotions` keeps its meaning (each row a change of champion)
 * and its readers; a promotion is written to both tables.
 */
export async function up(knex: Knex): Promise<void> {
  const mysql = knex.client.config.client === 'mysql2';
  await knex.schema.createTable('gate_decisions', (table) => {
    if (mysql) table.charset('utf8mb4');
    table.bigIncrements('id');
    table.string('model', 253).notNullable();
    /** The run judged. */
    table.string('run_id', 255).notNullable().references('run_id').inTable('training_runs');
    /** Promoted, Rejected or Pinned. */
    table.string('outcome', 16).notNullable();
    /** The champion it was judged against: replaced by a promotion, kept by a rejection; null when there was none. */
    table.string('champion_run_id', 255).nullable().references('run_id').inTable('training_runs');
    table.text('reason').notNullable();
    /** The release's promotion metric, e.g. `ndcgAt10` (a gate that failed on another metric says so in the reason). */
    table.string('metric', 32).notNullable();
    table.double('metric_value').nullable();
    table.double('champion_metric_value').nullable();
    table.datetime('decided_at', { precision: 3 }).notNullable();
    table.index(['model', 'decided_at'], 'gate_decisions_model_time');
  });
  // The promotions already recorded are decisions too. A pin is told apart by the reason the
  // operator has always given it (operator/modelrelease/champion.ts).
  await knex.raw(
    `insert into gate_decisions (model, run_id, outcome, champion_run_id, reason, metric, metric_value,
       champion_metric_value, decided_at)
     select model, run_id, case when reason = ? then 'Pinned' else 'Promoted' end, previous_run_id, reason, metric,
       metric_value, previous_metric_value, promoted_at
     from promotions order by id`,
    ['pinned by spec.promotion.pinnedRun'],
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('gate_decisions');
}
