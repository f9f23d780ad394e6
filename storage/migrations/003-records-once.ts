import type { Knex } from 'knex';

/**
 * A promotion or a gate judgement is one event, however many times an operator tries to record
 * it: an operator killed between its status write and its MySQL insert records it again after the
 * restart (operator/modelrelease/reconcile.ts). Each event is keyed by what the status says of
 * it, the model, the run and its time, and the key is unique. Rows recorded twice before this
 * migration, if any, keep their first copy.
 */
export async function up(knex: Knex): Promise<void> {
  await dropRepeats(knex, 'promotions', ['model', 'run_id', 'promoted_at']);
  await knex.schema.alterTable('promotions', (table) => {
    table.unique(['model', 'run_id', 'promoted_at'], { indexName: 'promotions_once' });
  });
  await dropRepeats(knex, 'gate_decisions', ['model', 'run_id', 'outcome', 'decided_at']);
  await knex.schema.alterTable('gate_decisions', (table) => {
    table.unique(['model', 'run_id', 'outcome', 'decided_at'], { indexName: 'gate_decisions_once' });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('gate_decisions', (table) =>
    table.dropUnique(['model', 'run_id', 'outcome', 'decided_at'], 'gate_decisions_once'),
  );
  await knex.schema.alterTable('promotions', (table) =>
    table.dropUnique(['model', 'run_id', 'promoted_at'], 'promotions_once'),
  );
}

async function dropRepeats(knex: Knex, table: string, key: string[]): Promise<void> {
  // The derived table lets MySQL read the table it deletes from.
  await knex(table)
    .whereNotIn('id', knex.select('first').from(knex(table).min({ first: 'id' }).groupBy(key).as('firsts')))
    .delete();
}
