/** The service's JSON API, as the page uses it. Paths are relative: the page works behind a path prefix. */

export interface Movie {
  movieId: number;
  title: string | null;
  genres: string[];
}
export interface RecommendedMovie extends Movie {
  predictedRating: number;
}
export interface FoundMovie extends Movie {
  ratings: number;
}
export interface Recommendations {
  coldStart: boolean;
  recommendations: RecommendedMovie[];
  ignoredMovieIds?: number[];
  model?: { run: string; digest: string };
}
export interface SimilarMovies {
  movieId: number;
  title: string | null;
  similar: (Movie & { similarity: number })[];
}
export interface ServedModel {
  model: string;
  run: string;
  digest: string;
  trainedAt: string;
  loadedAt: string;
  metrics: Record<string, number>;
}
export interface RunMetrics {
  rmse: number | null;
  mae: number | null;
  precisionAt10: number | null;
  recallAt10: number | null;
  ndcgAt10: number | null;
  coverage: number | null;
  trainSeconds: number | null;
}
export interface TrainingRun {
  runId: string;
  model: string;
  status: 'Running' | 'Succeeded' | 'Failed';
  attempts: number;
  params: Record<string, unknown>;
  snapshot: { maxRatingId?: number; upToBatch?: number; ratedBefore?: number } | null;
  dataset: { ratings: number; users: number; movies: number } | null;
  metrics: RunMetrics;
  artifact: { uri: string; digest: string; sizeBytes: number } | null;
  /** The model that ranks in the run's artifact: popularity, cooccurrence or ease. */
  rankingModel: string | null;
  message: string | null;
  startedAt: string;
  finishedAt: string | null;
}
export interface Promotion {
  id: number;
  model: string;
  runId: string;
  previousRunId: string | null;
  reason: string;
  metric: string;
  metricValue: number | null;
  previousMetricValue: number | null;
  promotedAt: string;
}
export type GateOutcome = 'Promoted' | 'Rejected' | 'Pinned';
/** One judgement of the release gates; the champion is the one replaced (promoted, pinned) or kept (rejected). */
export interface GateDecision {
  id: number;
  model: string;
  runId: string;
  outcome: GateOutcome;
  reason: string;
  metric: string;
  metricValue: number | null;
  championRunId: string | null;
  championMetricValue: number | null;
  decidedAt: string;
}
export interface ModelsInsight {
  model: string | null;
  models: { model: string; runs: number; latestStartedAt: string }[];
  serving: { model: string; run: string; digest: string } | null;
  champion: Promotion | null;
  runs: TrainingRun[];
  promotions: Promotion[];
  decisions: GateDecision[];
}
export interface Epoch {
  epoch: number;
  trainLoss: number;
  validationRmse: number | null;
  seconds: number;
}
export interface CountFrequency {
  ratings: number;
  entities: number;
}
export interface RatingsInsight {
  ratings: number;
  users: number;
  movies: number;
  catalogueMovies: number;
  meanRating: number | null;
  sparsity: number | null;
  values: { rating: number; count: number }[];
  perUser: CountFrequency[];
  perMovie: CountFrequency[];
  perMonth: { month: string; count: number }[];
  perBatch: { batch: number | null; ratings: number; firstRatedAt: number; lastRatedAt: number }[];
  computedAt: string;
}
export interface TrafficInsight {
  countingSince: string;
  recommendations: Record<'user' | 'visitor', { coldStart: number; total: number }>;
  predictions: { coldStart: number; total: number };
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      credentials: 'same-origin',
      ...init,
      headers: { accept: 'application/json', ...init.headers },
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'unreachable', 'the service did not answer');
  }
  const body = (await response.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
  if (!response.ok) {
    throw new ApiError(
      response.status,
      body?.error?.code ?? `http_${response.status}`,
      body?.error?.message ?? `${response.status} ${response.statusText}`,
    );
  }
  return body as T;
}

const post = <T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> =>
  call<T>(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });

export const api = {
  model: () => call<ServedModel>('v1/model'),
  searchMovies: (q: string, n: number, signal: AbortSignal) =>
    call<{ movies: FoundMovie[] }>(`v1/movies?${new URLSearchParams({ q, n: String(n) })}`, { signal }),
  userRecommendations: (userId: number, n: number) =>
    call<Recommendations>(`v1/recommendations?userId=${userId}&n=${n}`),
  visitorRecommendations: (ratings: { movieId: number; rating: number }[], n: number) =>
    post<Recommendations>('v1/recommendations', { ratings, n }),
  rate: (userId: number, movieId: number, rating: number) =>
    post<{ id: number }>('v1/ratings', { userId, movieId, rating }),
  similar: (movieId: number, n: number) => call<SimilarMovies>(`v1/movies/${movieId}/similar?n=${n}`),
  models: (model?: string) =>
    call<ModelsInsight>(`v1/insights/models${model ? `?model=${encodeURIComponent(model)}` : ''}`),
  epochs: (runIds: string[]) =>
    call<{ runs: { runId: string; epochs: Epoch[] }[] }>(
      `v1/insights/epochs?${new URLSearchParams(runIds.map((id) => ['runId', id]))}`,
    ),
  ratings: () => call<RatingsInsight>('v1/insights/ratings'),
  traffic: () => call<TrafficInsight>('v1/insights/traffic'),
};

/** The notice for an error: what happened, and for a missing database what it means here. */
export function describeError(error: unknown): { title: string; text: string } {
  if (error instanceof ApiError) {
    if (error.code === 'no_database') return { title: 'No database.', text: `${error.message}.` };
    if (error.code === 'no_model')
      return {
        title: 'No model yet.',
        text: 'The service has not loaded a model; it answers once one is verified and loaded.',
      };
    return { title: `${`Error ${error.status || ''}`.trim()}:`, text: error.message };
  }
  return { title: 'Error:', text: (error as Error).message };
}
