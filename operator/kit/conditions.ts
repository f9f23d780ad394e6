import type { Condition } from '../api/resources.ts';

export type ConditionStatus = Condition['status'];

export interface ConditionUpdate {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/**
 * Sets one condition by type, the way meta.SetStatusCondition does: lastTransitionTime moves only
 * when the status flips, so writing the same condition twice changes nothing.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  update: ConditionUpdate,
  generation: number | undefined,
  now: Date,
): Condition[] {
  const existing = conditions?.find((c) => c.type === update.type);
  const next: Condition = {
    ...update,
    lastTransitionTime: existing && existing.status === update.status ? existing.lastTransitionTime : now.toISOString(),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
  const others = (conditions ?? []).filter((c) => c.type !== update.type);
  return [...others, next].sort((a, b) => a.type.localeCompare(b.type));
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}
