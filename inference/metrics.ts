import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
  type LabelValues,
} from 'prom-client';
import { FastHistogram } from './fast-histogram.ts';

/**
 * The service's metrics, in a registry of its own so that tests can build many apps.
 * Names follow the Prometheus conventions: base units, `_total` counters, `_info` for metadata;
 * http_request_duration_seconds keeps the name stock Koa/Express dashboards expect.
 */
export interface ServiceMetrics {
  readonly registry: Registry;
  readonly requestDuration: FastHistogram<'method' | 'route' | 'status_code'>;
  readonly recommendations: Counter<'kind' | 'cold_start'>;
  readonly recommendationCache: Counter<'result'>;
  readonly predictions: Counter<'cold_start'>;
  readonly ratingsStored: Counter;
  readonly ratingStoreFailures: Counter;
  readonly modelInfo: Gauge<'model' | 'run' | 'digest'>;
  readonly modelLoadDuration: Histogram;
  readonly modelLoads: Counter<'result'>;
  readonly modelLoadedTimestamp: Gauge;
  /** The challenger beside the champion during a Shadow or Canary rollout (value 1). */
  readonly challengerInfo: Gauge<'model' | 'run' | 'digest' | 'mode'>;
  /** Time each model took to answer a user (recommendations, predictions), shadow answers included. */
  readonly modelAnswerDuration: FastHistogram<'role' | 'run'>;
  readonly modelAnswerErrors: Counter<'role' | 'run'>;
  /** Online labels: each posted rating against each live model's prediction made before it was posted. */
  readonly onlineSquaredError: Histogram<'role' | 'run'>;
  readonly onlineServedRatings: Counter<'role' | 'run'>;
  readonly onlineHits: Counter<'role' | 'run'>;
  /** The per-request counts of the hot routes, through deferred label sets (see deferredCounts). */
  countPrediction(coldStart: boolean): void;
  countRecommendations(kind: 'user' | 'visitor', coldStart: boolean): void;
  countRecommendationCacheLookup(hit: boolean): void;
}

/**
 * A counter whose label sets are counted in plain numbers and added to it when the registry reads
 * it (a scrape, or get()): Counter.inc validates and hashes its label object on every call, a
 * cost the routes answered in tens of microseconds would pay per request.
 */
function deferredCounts<L extends string>(
  config: CounterConfiguration<L>,
): { counter: Counter<L>; labels(values: LabelValues<L>): () => void } {
  const sets: { values: LabelValues<L>; pending: number }[] = [];
  const counter = new Counter<L>({
    ...config,
    collect() {
      for (const set of sets) {
        if (set.pending === 0) continue;
        this.inc(set.values, set.pending);
        set.pending = 0;
      }
    },
  });
  return {
    counter,
    labels(values) {
      const set = { values, pending: 0 };
      sets.push(set);
      return () => {
        set.pending++;
      };
    },
  };
}

export function createServiceMetrics(options: { defaultMetrics?: boolean } = {}): ServiceMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
    // prom-client names these gauges *_total, which promtool rejects (only counters end in _total);
    // the per-type nodejs_active_handles / _requests / _resources gauges carry the same numbers.
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ]) {
      registry.removeSingleMetric(name);
    }
  }
  const registers = [registry];
  const recommendations = deferredCounts({
    name: 'movie_reco_recommendations_total',
    help:
      'Recommendation lists served, by kind of person (user, visitor) ' +
      'and whether only the popularity ranking was used',
    labelNames: ['kind', 'cold_start'],
    registers,
  });
  const recommendationCache = deferredCounts({
    name: 'movie_reco_recommendation_cache_requests_total',
    help: 'Lookups of the per-user recommendation cache, by result (hit, miss)',
    labelNames: ['result'],
    registers,
  });
  const predictions = deferredCounts({
    name: 'movie_reco_predictions_total',
    help: 'Rating predictions served, by whether nothing was known of the user',
    labelNames: ['cold_start'],
    registers,
  });
  const predictionCounts = [
    predictions.labels({ cold_start: 'false' }),
    predictions.labels({ cold_start: 'true' }),
  ] as const;
  const recommendationCounts = {
    user: [
      recommendations.labels({ kind: 'user', cold_start: 'false' }),
      recommendations.labels({ kind: 'user', cold_start: 'true' }),
    ],
    visitor: [
      recommendations.labels({ kind: 'visitor', cold_start: 'false' }),
      recommendations.labels({ kind: 'visitor', cold_start: 'true' }),
    ],
  } as const;
  const cacheCounts = [
    recommendationCache.labels({ result: 'miss' }),
    recommendationCache.labels({ result: 'hit' }),
  ] as const;
  return {
    registry,
    requestDuration: new FastHistogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route template and status',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.3, 0.5, 1, 1.2, 2.5, 5, 10],
      registers,
    }),
    recommendations: recommendations.counter,
    recommendationCache: recommendationCache.counter,
    predictions: predictions.counter,
    ratingsStored: new Counter({
      name: 'movie_reco_ratings_stored_total',
      help: 'Ratings committed to the database',
      registers,
    }),
    ratingStoreFailures: new Counter({
      name: 'movie_reco_rating_store_failures_total',
      help: 'Ratings refused with 503 because the database did not commit them',
      registers,
    }),
    modelInfo: new Gauge({
      name: 'movie_reco_model_info',
      help: 'The model being served (value 1)',
      labelNames: ['model', 'run', 'digest'],
      registers,
    }),
    modelLoadDuration: new Histogram({
      name: 'movie_reco_model_load_duration_seconds',
      help: 'Time to fetch, verify and prepare a model artifact',
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
    modelLoads: new Counter({
      name: 'movie_reco_model_loads_total',
      help: 'Model loads by result (success, failure: refused or unreachable artifact)',
      labelNames: ['result'],
      registers,
    }),
    modelLoadedTimestamp: new Gauge({
      name: 'movie_reco_model_loaded_timestamp_seconds',
      help: 'Unix time at which the current model started serving',
      registers,
    }),
    challengerInfo: new Gauge({
      name: 'movie_reco_challenger_info',
      help: 'The challenger served beside the champion during a rollout, by mode (shadow, canary) (value 1)',
      labelNames: ['model', 'run', 'digest', 'mode'],
      registers,
    }),
    modelAnswerDuration: new FastHistogram({
      name: 'movie_reco_model_answer_duration_seconds',
      help: 'Time a model took to answer a user (recommendations, prediction), by role and run; shadow answers too',
      labelNames: ['role', 'run'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    modelAnswerErrors: new Counter({
      name: 'movie_reco_model_answer_errors_total',
      help: 'Answers a model failed to compute, by role and run (shadow failures are never seen by users)',
      labelNames: ['role', 'run'],
      registers,
    }),
    onlineSquaredError: new Histogram({
      name: 'movie_reco_online_squared_error',
      help:
        'Squared error of the rating a model predicted before the user posted it, by role and run: ' +
        'sqrt(_sum / _count) is the online RMSE',
      labelNames: ['role', 'run'],
      buckets: [0.0625, 0.25, 0.5625, 1, 2.25, 4, 9, 20.25],
      registers,
    }),
    onlineServedRatings: new Counter({
      name: 'movie_reco_online_served_ratings_total',
      help: 'Ratings posted by users this model had served a recommendation list to, by role and run',
      labelNames: ['role', 'run'],
      registers,
    }),
    onlineHits: new Counter({
      name: 'movie_reco_online_hits_total',
      help: 'Ratings of a movie in the top 10 this model last served the user, by role and run',
      labelNames: ['role', 'run'],
      registers,
    }),
    countPrediction: (coldStart) => predictionCounts[coldStart ? 1 : 0](),
    countRecommendations: (kind, coldStart) => recommendationCounts[kind][coldStart ? 1 : 0](),
    countRecommendationCacheLookup: (hit) => cacheCounts[hit ? 1 : 0](),
  };
}
