/**
 * The median stopping rule, pure: a trial stops after an epoch at which its validation RMSE is
 * worse than the median of the other trials' at the same epoch, once it has trained minEpochs and
 * at least minTrials others reached that epoch.
 */

export interface MedianRule {
  minEpochs: number;
  minTrials: number;
}

/** Validation RMSE by epoch, of one trial. */
export type Curve = ReadonlyMap<number, number>;

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('the median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Whether a trial whose validation RMSE after `epoch` is `rmse` stops, against the others' curves. */
export function stopsByMedian(epoch: number, rmse: number, others: readonly Curve[], rule: MedianRule): boolean {
  if (epoch < rule.minEpochs) return false;
  const atEpoch = others
    .map((curve) => curve.get(epoch))
    .filter((value) => value !== undefined && Number.isFinite(value));
  if (atEpoch.length < rule.minTrials) return false;
  // a diverged trial (NaN, infinite) is worse than any median
  return !Number.isFinite(rmse) || rmse > median(atEpoch as number[]);
}
