/**
 * Online labels and the figures computed from them. A label is one posted rating against one live
 * model's prediction for that (user, movie) made before the rating was known, and whether the
 * movie was in the top 10 the model last served the user.
 */
import type { ModelRole } from './traffic-split.ts';

export interface OnlineLabel {
  role: ModelRole;
  run: string;
  userId: number;
  movieId: number;
  predicted: number;
  rating: number;
  /** The model had served this user a recommendation list before the rating. */
  served: boolean;
  /** The movie was in the top 10 of that list. */
  hit: boolean;
}

export interface OnlineCounts {
  labels: number;
  squaredErrorSum: number;
  servedRatings: number;
  hits: number;
}

export interface OnlineFigures extends OnlineCounts {
  /** Root mean squared error of the predictions; null before the first label. */
  rmse: number | null;
  /** Share of ratings by users the model served that fell on its top 10; null before the first such rating. */
  hitRate: number | null;
}

export interface AnswerHealth {
  answers: number;
  errors: number;
  p99Ms: number | null;
}

export const HIT_TOP_N = 10;

export function figuresFromCounts(counts: OnlineCounts): OnlineFigures {
  return {
    ...counts,
    rmse: counts.labels > 0 ? Math.sqrt(counts.squaredErrorSum / counts.labels) : null,
    hitRate: counts.servedRatings > 0 ? counts.hits / counts.servedRatings : null,
  };
}

/** Counts of one model's labels (the caller picks the model's labels). */
export function countLabels(labels: readonly OnlineLabel[]): OnlineCounts {
  const counts: OnlineCounts = { labels: 0, squaredErrorSum: 0, servedRatings: 0, hits: 0 };
  for (const label of labels) {
    counts.labels++;
    counts.squaredErrorSum += (label.predicted - label.rating) ** 2;
    if (label.served) counts.servedRatings++;
    if (label.served && label.hit) counts.hits++;
  }
  return counts;
}

/** Whether `movieId` is among the first `topN` movies of a recommendations body (service JSON). */
export function inServedTop(body: string, movieId: number, topN = HIT_TOP_N): boolean {
  const movieIds = body.matchAll(/"movieId":(\d+)/g);
  let seen = 0;
  for (const match of movieIds) {
    if (Number(match[1]) === movieId) return true;
    if (++seen === topN) return false;
  }
  return false;
}

/** Whether a sample's labels (`role="champion",run="ns/r"`) are the role's, and the run's when one is named. */
function isOf(labels: string, role: ModelRole, run: string | undefined): boolean {
  const pairs = labels.split(',');
  return pairs.includes(`role="${role}"`) && (run === undefined || pairs.includes(`run="${run}"`));
}

/**
 * One role's online counts as a pod exposes them on /metrics (Prometheus text format), summed
 * over the runs that held the role (or one run's): what the operator reads from each pod, with no
 * Prometheus, and what the pod's own Models page shows.
 */
export function onlineCountsFromMetrics(text: string, role: ModelRole, run?: string): OnlineCounts {
  const counts: OnlineCounts = { labels: 0, squaredErrorSum: 0, servedRatings: 0, hits: 0 };
  const field: Record<string, keyof OnlineCounts> = {
    movie_reco_online_squared_error_count: 'labels',
    movie_reco_online_squared_error_sum: 'squaredErrorSum',
    movie_reco_online_served_ratings_total: 'servedRatings',
    movie_reco_online_hits_total: 'hits',
  };
  for (const line of text.split('\n')) {
    const sample = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    const key = sample && field[sample[1]!];
    if (!key || !isOf(sample[2]!, role, run)) continue;
    counts[key] += Number(sample[3]);
  }
  return counts;
}

/**
 * One role's (or one run's in it) answers, failures and p99 answer time (the upper bound of the
 * bucket holding the 99th percentile, in ms; null before any answer) over several pods' /metrics texts.
 */
export function answerHealthFromMetrics(texts: readonly string[], role: ModelRole, run?: string): AnswerHealth {
  const buckets = new Map<number, number>();
  let answers = 0;
  let errors = 0;
  for (const text of texts) {
    for (const line of text.split('\n')) {
      const sample = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
      if (!sample || !isOf(sample[2]!, role, run)) continue;
      const value = Number(sample[3]);
      if (sample[1] === 'movie_reco_model_answer_duration_seconds_count') answers += value;
      else if (sample[1] === 'movie_reco_model_answer_errors_total') errors += value;
      else if (sample[1] === 'movie_reco_model_answer_duration_seconds_bucket') {
        const le = /le="([^"]+)"/.exec(sample[2]!)?.[1];
        const bound = le === '+Inf' ? Infinity : Number(le);
        buckets.set(bound, (buckets.get(bound) ?? 0) + value);
      }
    }
  }
  const bound = [...buckets].sort(([a], [b]) => a - b).find(([, cumulative]) => cumulative >= 0.99 * answers)?.[0];
  return { answers, errors, p99Ms: answers > 0 && bound !== undefined ? bound * 1000 : null };
}

export type LiveModelFigures = { role: ModelRole; run: string } & Omit<OnlineFigures, 'squaredErrorSum'> & AnswerHealth;

/** Each live model's online figures and answer health in one pod's /metrics text, for its role and run. */
export function liveModelFigures(text: string, live: readonly { role: ModelRole; run: string }[]): LiveModelFigures[] {
  return live.map(({ role, run }) => {
    const { squaredErrorSum: _, ...figures } = figuresFromCounts(onlineCountsFromMetrics(text, role, run));
    return { role, run, ...figures, ...answerHealthFromMetrics([text], role, run) };
  });
}
