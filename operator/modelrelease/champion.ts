/**
 * Who serves: pure champion/challenger selection over a model's Succeeded TrainingRuns.
 *
 * - pinnedRun set: serve exactly that run (manual pin, rollback); gates and metric do not apply.
 * - otherwise every candidate must pass the absolute gates; the best passing run is promoted when
 *   there is no champion, or when it beats the champion on the metric by at least minImprovement
 *   (absolute). Otherwise the champion is kept and the newest run is reported as rejected, with why.
 * - select Newest: the newest passing run finished since the champion was promoted challenges it,
 *   whatever its metric (Shadow and Canary judge it online).
 */
import type { ModelReleaseSpec, RunMetrics, TrainingRun } from '../api/resources.ts';
import { runIdFor } from '../trainingrun/job.ts';

export type PromotionMetric = 'rmse' | 'mae' | 'ndcgAt10' | 'precisionAt10';
type Promotion = NonNullable<ModelReleaseSpec['promotion']>;

export interface Candidate {
  name: string;
  /** The run's id in the run records (MySQL), from status.runId. */
  runId: string;
  metrics: Required<Pick<RunMetrics, PromotionMetric>> & RunMetrics;
  artifact: { uri: string; digest: string };
  ratings: number | undefined;
  /** When the run finished; orders "newest". */
  finishedAt: string;
}

export type Outcome = 'Promoted' | 'Rejected' | 'Pinned';

export interface ChampionDecision {
  /** The run that should serve; undefined when none qualifies yet. */
  champion: Candidate | undefined;
  /** The run this decision judged and what became of it, for status.lastDecision; undefined: nothing new to judge. */
  judged: { run: string; outcome: Outcome; reason: string } | undefined;
  /** True when the champion changes. */
  changed: boolean;
  /** Set when the spec asks for something impossible (pinned run missing): Promoted=False. */
  problem?: { reason: string; message: string };
}

const lowerIsBetter: Record<PromotionMetric, boolean> = {
  rmse: true,
  mae: true,
  ndcgAt10: false,
  precisionAt10: false,
};

/**
 * The id the trainer records the run under (MySQL), also before the TrainingRun controller has
 * written it to the status.
 */
export function recordedRunId(run: TrainingRun): string {
  return run.status?.runId ?? runIdFor(run);
}

/** A Succeeded run of the model with metrics and an artifact; anything else is not a candidate. */
export function candidateOf(run: TrainingRun, model: string): Candidate | undefined {
  const { status } = run;
  const m = status?.metrics;
  if (run.spec.model !== model || status?.phase !== 'Succeeded' || !status.artifact?.uri || !status.artifact.digest)
    return undefined;
  if (m?.rmse === undefined || m.mae === undefined || m.ndcgAt10 === undefined || m.precisionAt10 === undefined)
    return undefined;
  return {
    name: run.metadata.name!,
    runId: recordedRunId(run),
    metrics: { ...m, rmse: m.rmse, mae: m.mae, ndcgAt10: m.ndcgAt10, precisionAt10: m.precisionAt10 },
    artifact: { uri: status.artifact.uri, digest: status.artifact.digest },
    ratings: status.dataset?.ratings,
    finishedAt: status.completionTime ?? run.metadata.creationTimestamp?.toString() ?? '',
  };
}

/** Why a candidate fails the gates, or undefined when it passes. */
export function gateFailure(candidate: Candidate, gates: Promotion['gates']): string | undefined {
  if (!gates) return undefined;
  const m = candidate.metrics;
  if (gates.maxRmse !== undefined && m.rmse > gates.maxRmse)
    return `rmse ${fmt(m.rmse)} is above the gate maxRmse ${gates.maxRmse}`;
  if (gates.maxMae !== undefined && m.mae > gates.maxMae)
    return `mae ${fmt(m.mae)} is above the gate maxMae ${gates.maxMae}`;
  if (gates.minNdcgAt10 !== undefined && m.ndcgAt10 < gates.minNdcgAt10)
    return `ndcgAt10 ${fmt(m.ndcgAt10)} is below the gate minNdcgAt10 ${gates.minNdcgAt10}`;
  if (gates.minPrecisionAt10 !== undefined && m.precisionAt10 < gates.minPrecisionAt10)
    return `precisionAt10 ${fmt(m.precisionAt10)} is below the gate minPrecisionAt10 ${gates.minPrecisionAt10}`;
  if (gates.minRatings !== undefined && (candidate.ratings ?? 0) < gates.minRatings)
    return `trained on ${candidate.ratings ?? 0} ratings, fewer than the gate minRatings ${gates.minRatings}`;
  return undefined;
}

/** How much `a` is better than `b` on the metric (positive: better). */
export function improvement(metric: PromotionMetric, a: Candidate, b: Candidate): number {
  const delta = a.metrics[metric] - b.metrics[metric];
  return lowerIsBetter[metric] ? -delta : delta;
}

/**
 * `championSince` is when the current champion was promoted: runs that finished before it were
 * already weighed then, so only later ones are judged against it (and reported in lastDecision).
 */
export function selectChampion(
  promotion: Promotion | undefined,
  candidates: readonly Candidate[],
  currentChampion: string | undefined,
  championSince?: string,
): ChampionDecision {
  const metric: PromotionMetric = promotion?.metric ?? 'ndcgAt10';
  const minImprovement = promotion?.minImprovement ?? 0;
  const current = candidates.find((c) => c.name === currentChampion);

  if (promotion?.pinnedRun) {
    const pinned = candidates.find((c) => c.name === promotion.pinnedRun);
    if (!pinned) {
      const message = `pinnedRun ${promotion.pinnedRun} is not a Succeeded TrainingRun of this model in this namespace`;
      return {
        champion: current,
        judged: { run: promotion.pinnedRun, outcome: 'Rejected', reason: message },
        changed: false,
        problem: { reason: 'PinnedRunUnavailable', message },
      };
    }
    if (pinned.name === currentChampion) return { champion: pinned, judged: undefined, changed: false };
    return {
      champion: pinned,
      judged: { run: pinned.name, outcome: 'Pinned', reason: 'pinned by spec.promotion.pinnedRun' },
      changed: true,
    };
  }

  const passing = candidates.filter((c) => gateFailure(c, promotion?.gates) === undefined);
  const best = passing.reduce<Candidate | undefined>(
    (top, c) =>
      !top || improvement(metric, c, top) > 0 || (improvement(metric, c, top) === 0 && c.finishedAt > top.finishedAt)
        ? c
        : top,
    undefined,
  );

  if (!currentChampion || !current) {
    if (!best) {
      const newest = newestOf(candidates);
      const judged = newest
        ? { run: newest.name, outcome: 'Rejected' as const, reason: gateFailure(newest, promotion?.gates)! }
        : undefined;
      // A champion whose run was deleted keeps serving: its artifact is still recorded in status.
      return { champion: undefined, judged, changed: false };
    }
    return {
      champion: best,
      judged: {
        run: best.name,
        outcome: 'Promoted',
        reason: `first champion: best ${metric} ${fmt(best.metrics[metric])} among ${passing.length} passing run(s)`,
      },
      changed: true,
    };
  }

  const championScore = `champion ${current.name} (${fmt(current.metrics[metric])})`;
  const since = championSince && championSince > current.finishedAt ? championSince : current.finishedAt;
  if (promotion?.select === 'Newest') return newestSince(promotion, candidates, current, since, metric);
  if (best && best.name !== current.name) {
    const gain = improvement(metric, best, current);
    if (gain > 0 && gain >= minImprovement) {
      return {
        champion: best,
        judged: {
          run: best.name,
          outcome: 'Promoted',
          reason:
            `${metric} ${fmt(best.metrics[metric])} beats ${championScore} by ${fmt(gain)}, ` +
            `at least minImprovement ${minImprovement}`,
        },
        changed: true,
      };
    }
  }

  const newest = newestOf(candidates.filter((c) => c.name !== current.name));
  if (!newest || newest.finishedAt < since) return { champion: current, judged: undefined, changed: false };
  const gate = gateFailure(newest, promotion?.gates);
  const gain = improvement(metric, newest, current);
  const reason =
    gate ??
    (gain <= 0
      ? `${metric} ${fmt(newest.metrics[metric])} is not better than ${championScore}`
      : `${metric} ${fmt(newest.metrics[metric])} beats champion ${current.name} by only ${fmt(gain)}, ` +
        `less than minImprovement ${minImprovement}`);
  return { champion: current, judged: { run: newest.name, outcome: 'Rejected', reason }, changed: false };
}

function newestSince(
  promotion: Promotion,
  candidates: readonly Candidate[],
  current: Candidate,
  since: string,
  metric: PromotionMetric,
): ChampionDecision {
  const newest = newestOf(candidates.filter((c) => c.name !== current.name && c.finishedAt >= since));
  if (!newest) return { champion: current, judged: undefined, changed: false };
  const gate = gateFailure(newest, promotion.gates);
  if (gate)
    return { champion: current, judged: { run: newest.name, outcome: 'Rejected', reason: gate }, changed: false };
  const delta = fmt(improvement(metric, newest, current));
  return {
    champion: newest,
    judged: {
      run: newest.name,
      outcome: 'Promoted',
      reason: `newest passing run (select Newest); ${metric} ${fmt(newest.metrics[metric])}, ${delta} against champion`,
    },
    changed: true,
  };
}

function newestOf(candidates: readonly Candidate[]): Candidate | undefined {
  return candidates.reduce<Candidate | undefined>(
    (top, c) => (!top || c.finishedAt > top.finishedAt ? c : top),
    undefined,
  );
}

const fmt = (value: number) => String(Math.round(value * 10_000) / 10_000);
