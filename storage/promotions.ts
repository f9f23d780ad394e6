import type { Knex } from 'knex';
import type { z } from 'zod';
import type { promotion } from './shapes.ts';
import type { Database } from './database.ts';
import { insertOnce } from './insert-once.ts';
import { type StoredDatetime, toDate, toNumberOrNull } from './time-values.ts';

export type Promotion = z.output<typeof promotion>;
/** A promotion to record: what is left out is null (promotedAt: now). */
export type NewPromotion = Omit<Promotion, 'id' | Optional> & Partial<Pick<Promotion, Optional>>;
type Optional = 'previousRunId' | 'metricValue' | 'previousMetricValue' | 'promotedAt';

interface PromotionRow {
  id: number | string;
  model: string;
  run_id: string;
  previous_run_id: string | null;
  reason: string;
  metric: string;
  metric_value: number | null;
  previous_metric_value: number | null;
  promoted_at: StoredDatetime;
}

/**
 * Rows recorded before migration 003 carry the time of their insert, which came a moment (the
 * status write) after the status's promotedAt; a row of the same run that much later is the same
 * promotion. A run promoted twice within this window keeps one row.
 */
const RECORDED_WITHIN_MS = 60_000;

/**
 * Records a promotion once: the same model, run and time recorded again (an operator retrying
 * after it died between its status write and this insert) returns the row already there.
 */
export async function recordPromotion(db: Database, promotion: NewPromotion): Promise<Promotion> {
  const promotedAt = promotion.promotedAt ?? new Date();
  const key = { model: promotion.model, run_id: promotion.runId };
  const sameEvent = (query: Knex.QueryBuilder) =>
    query
      .where(key)
      .whereBetween('promoted_at', [promotedAt, new Date(promotedAt.getTime() + RECORDED_WITHIN_MS)])
      .orderBy('promoted_at');
  const row = await insertOnce<PromotionRow>(db, 'promotions', sameEvent, {
    ...key,
    promoted_at: promotedAt,
    previous_run_id: promotion.previousRunId ?? null,
    reason: promotion.reason,
    metric: promotion.metric,
    metric_value: promotion.metricValue ?? null,
    previous_metric_value: promotion.previousMetricValue ?? null,
  });
  return promotionOf(row);
}

/** Promotions of a model, newest first. */
export async function listPromotions(db: Database, model: string, limit = 50): Promise<Promotion[]> {
  const rows: PromotionRow[] = await db
    .knex('promotions')
    .where('model', model)
    .orderBy([
      { column: 'promoted_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(limit);
  return rows.map(promotionOf);
}

function promotionOf(row: PromotionRow): Promotion {
  return {
    id: Number(row.id),
    model: row.model,
    runId: row.run_id,
    previousRunId: row.previous_run_id ?? null,
    reason: row.reason,
    metric: row.metric,
    metricValue: toNumberOrNull(row.metric_value),
    previousMetricValue: toNumberOrNull(row.previous_metric_value),
    promotedAt: toDate(row.promoted_at)!,
  };
}
