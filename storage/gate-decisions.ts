/**
 * The release gates' judgements, one row each: which run, promoted, pinned or rejected, why, and
 * the metric against the champion of the moment. The operator appends a row once per judgement,
 * after its status write won, and again after a restart (kept once: see migration 003);
 * promotions are also in `promotions`, the champion history.
 */
import type { z } from 'zod';
import { GATE_OUTCOMES, type gateDecision } from './shapes.ts';
import type { Database } from './database.ts';
import { insertOnce } from './insert-once.ts';
import { type StoredDatetime, toDate, toNumberOrNull } from './time-values.ts';

export type GateOutcome = (typeof GATE_OUTCOMES)[number];
export type GateDecision = z.output<typeof gateDecision>;
/** A judgement to record (its run must be recorded): what is left out is null (decidedAt: now). */
export type NewGateDecision = Omit<GateDecision, 'id' | Optional> & Partial<Pick<GateDecision, Optional>>;
type Optional = 'metricValue' | 'championRunId' | 'championMetricValue' | 'decidedAt';

interface GateDecisionRow {
  id: number | string;
  model: string;
  run_id: string;
  outcome: string;
  champion_run_id: string | null;
  reason: string;
  metric: string;
  metric_value: number | null;
  champion_metric_value: number | null;
  decided_at: StoredDatetime;
}

export async function recordGateDecision(db: Database, decision: NewGateDecision): Promise<GateDecision> {
  if (!(GATE_OUTCOMES as readonly string[]).includes(decision.outcome))
    throw new Error(`outcome must be one of ${GATE_OUTCOMES.join(', ')}, got ${decision.outcome}`);
  const recorded: Omit<GateDecision, 'id'> = {
    model: decision.model,
    runId: decision.runId,
    outcome: decision.outcome,
    reason: decision.reason,
    metric: decision.metric,
    metricValue: decision.metricValue ?? null,
    championRunId: decision.championRunId ?? null,
    championMetricValue: decision.championMetricValue ?? null,
    decidedAt: decision.decidedAt ?? new Date(),
  };
  const key = {
    model: recorded.model,
    run_id: recorded.runId,
    outcome: recorded.outcome,
    decided_at: recorded.decidedAt,
  };
  const row = await insertOnce<GateDecisionRow>(db, 'gate_decisions', (query) => query.where(key), {
    ...key,
    champion_run_id: recorded.championRunId,
    reason: recorded.reason,
    metric: recorded.metric,
    metric_value: recorded.metricValue,
    champion_metric_value: recorded.championMetricValue,
  });
  return gateDecisionOf(row);
}

/** A model's gate decisions, newest first. */
export async function listGateDecisions(db: Database, model: string, limit = 50): Promise<GateDecision[]> {
  const rows: GateDecisionRow[] = await db
    .knex('gate_decisions')
    .where('model', model)
    .orderBy([
      { column: 'decided_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(limit);
  return rows.map(gateDecisionOf);
}

function gateDecisionOf(row: GateDecisionRow): GateDecision {
  return {
    id: Number(row.id),
    model: row.model,
    runId: row.run_id,
    outcome: row.outcome as GateOutcome,
    reason: row.reason,
    metric: row.metric,
    metricValue: toNumberOrNull(row.metric_value),
    championRunId: row.champion_run_id ?? null,
    championMetricValue: toNumberOrNull(row.champion_metric_value),
    decidedAt: toDate(row.decided_at)!,
  };
}
