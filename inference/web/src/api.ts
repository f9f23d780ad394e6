/** The service's JSON API, as the page uses it. Paths are relative: the page works behind a path prefix. */

import type {
  Epoch,
  EpochsInsight,
  FoundMovie,
  FoundMovies,
  GateDecision,
  HyperparameterSearch,
  LiveModel,
  ModelsInsight,
  Promotion,
  RatingsInsight,
  RecommendedMovie,
  ServedModel,
  SimilarMovies,
  StoredRating,
  TrafficInsight,
  TrainingRun,
  UserRecommendations,
  VisitorRecommendations,
  VisitorRequest,
} from '../../api-shapes.ts';

export type {
  Epoch,
  FoundMovie,
  GateDecision,
  HyperparameterSearch,
  LiveModel,
  ModelsInsight,
  Promotion,
  RatingsInsight,
  RecommendedMovie,
  SimilarMovies,
  TrafficInsight,
  TrainingRun,
};
export type Movie = Pick<RecommendedMovie, 'movieId' | 'title' | 'genres'>;
export type Recommendations = UserRecommendations | VisitorRecommendations;
export type RunMetrics = TrainingRun['metrics'];
export type CountFrequency = RatingsInsight['perUser'][number];

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
    call<FoundMovies>(`v1/movies?${new URLSearchParams({ q, n: String(n) })}`, { signal }),
  userRecommendations: (userId: number, n: number) =>
    call<UserRecommendations>(`v1/recommendations?userId=${userId}&n=${n}`),
  visitorRecommendations: (ratings: VisitorRequest['ratings'], n: number) =>
    post<VisitorRecommendations>('v1/recommendations', { ratings, n } satisfies VisitorRequest),
  rate: (userId: number, movieId: number, rating: number) =>
    post<StoredRating>('v1/ratings', { userId, movieId, rating }),
  similar: (movieId: number, n: number) => call<SimilarMovies>(`v1/movies/${movieId}/similar?n=${n}`),
  models: (model?: string) =>
    call<ModelsInsight>(`v1/insights/models${model ? `?model=${encodeURIComponent(model)}` : ''}`),
  epochs: (runIds: string[]) =>
    call<EpochsInsight>(`v1/insights/epochs?${new URLSearchParams(runIds.map((id) => ['runId', id]))}`),
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
