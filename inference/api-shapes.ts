/**
 * The HTTP API's requests and answers as zod schemas: the one description from which the server's
 * types, the web page's types and the OpenAPI document's schemas follow. Request bodies are
 * validated with them; answers are not parsed (the hot routes write finished JSON), their types are
 * checked where they are built. The exported types are the JSON on the wire (a schema's input:
 * times as ISO 8601 strings). Imports nothing but zod and storage's shapes, so that the web page can
 * import its types.
 */
import { z } from 'zod';
import {
  epochMetrics,
  gateDecision,
  hyperparameterSearch,
  modelRuns,
  promotion,
  ratingsOverview,
  timestamp,
  trainingRun,
} from '../storage/shapes.ts';

export const MAX_ID = 0x7fffffff;
/** The most movies one answer lists. */
export const MAX_N = 100;
export const DEFAULT_N = 10;
export const MAX_QUERY_LENGTH = 200;
export const MAX_VISITOR_RATINGS = 1000;
export const MAX_EPOCH_RUNS = 12;
/** Model names and run ids as the operator writes them. */
export const NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,254}$/;

/** The OpenAPI document's component schemas, by name. */
export const apiComponents = z.registry<{ id: string }>();
const named = <S extends z.ZodType>(id: string, schema: S): S => {
  apiComponents.add(schema, { id });
  return schema;
};

// Query and path parameters: read by hand on the hot routes (params.ts), with these bounds.
export const userIdParam = z.int().min(0).max(MAX_ID).meta({ description: 'MovieLens user id' });
export const movieIdParam = z.int().min(0).max(MAX_ID).meta({ description: 'MovieLens movie id' });
export const nParam = z.int().min(1).max(MAX_N).default(DEFAULT_N).meta({ description: 'How many movies' });
export const searchParam = z.string().min(1).max(MAX_QUERY_LENGTH).meta({ description: 'Words of the title' });
export const modelParam = z.string().regex(NAME).meta({ description: 'Model name (default: the served model)' });
export const runIdsParam = z
  .array(z.string().regex(NAME))
  .min(1)
  .max(MAX_EPOCH_RUNS)
  .meta({ description: `A run id; repeat for several runs (at most ${MAX_EPOCH_RUNS})` });

const ratingValue = z
  .number({ error: 'must be a number' })
  .min(0.5, 'must be at least 0.5')
  .max(5, 'must be at most 5')
  .multipleOf(0.5, 'must be a multiple of 0.5');
const movieId = z.number({ error: 'must be an integer' }).int('must be an integer').min(0).max(MAX_ID);

export const visitorRequest = named(
  'VisitorRequest',
  z
    .object({
      ratings: z
        .array(z.object({ movieId, rating: ratingValue }).strict(), { error: 'must be an array of {movieId, rating}' })
        .max(MAX_VISITOR_RATINGS),
      n: z.number().int().min(1).max(MAX_N).default(DEFAULT_N),
    })
    .strict(),
);

export const ratingRequest = named('Rating', z.object({ userId: movieId, movieId, rating: ratingValue }).strict());

export const modelSwapRequest = named(
  'ModelSwapRequest',
  z
    .object({
      uri: z.string().min(1),
      digest: z
        .string()
        .regex(/^sha256:[0-9a-f]{64}$/, 'must look like sha256:<64 hex digits>')
        .optional(),
    })
    .strict(),
);

export const errorBody = named(
  'Error',
  z.object({
    error: z.object({ code: z.string(), message: z.string(), parameter: z.string().optional() }),
  }),
);

export const modelRef = named('ModelRef', z.object({ run: z.string(), digest: z.string() }));

const genres = z.array(z.string()).readonly();

export const recommendedMovie = named(
  'Movie',
  z.object({ movieId: z.int(), title: z.string().nullable(), genres, predictedRating: z.number() }),
);

export const userRecommendations = named(
  'UserRecommendations',
  z.object({
    coldStart: z.boolean(),
    userId: z.int(),
    model: modelRef,
    recommendations: z.array(recommendedMovie),
  }),
);

export const visitorRecommendations = named(
  'VisitorRecommendations',
  z.object({
    coldStart: z.boolean(),
    recommendations: z.array(recommendedMovie),
    ignoredMovieIds: z.array(z.int()).meta({ description: 'Rated movies the model does not know' }),
    model: modelRef,
  }),
);

export const prediction = named(
  'Prediction',
  z.object({
    userId: z.int(),
    movieId: z.int(),
    predictedRating: z.number(),
    coldStart: z.boolean(),
    model: modelRef,
  }),
);

export const similarMovies = named(
  'SimilarMovies',
  z.object({
    movieId: z.int(),
    title: z.string().nullable(),
    genres,
    similar: z.array(z.object({ movieId: z.int(), title: z.string().nullable(), genres, similarity: z.number() })),
    model: modelRef,
  }),
);

export const foundMovie = named(
  'FoundMovie',
  z.object({
    movieId: z.int(),
    title: z.string(),
    genres,
    ratings: z
      .int()
      .meta({ description: 'Training ratings of the movie in the serving model; 0 when the model does not know it' }),
  }),
);

export const foundMovies = named('FoundMovies', z.object({ q: z.string(), movies: z.array(foundMovie) }));

export const storedRating = named('StoredRating', ratingRequest.extend({ id: z.int() }));

export const servedModel = named(
  'Model',
  z.object({
    model: z.string(),
    run: z.string(),
    digest: z.string(),
    uri: z.string(),
    metrics: z.record(z.string(), z.number()),
    trainedAt: z.iso.datetime(),
    loadedAt: z.iso.datetime(),
    dimensions: z.object({ factors: z.int(), stride: z.int(), users: z.int(), movies: z.int() }),
    precomputedRecommendations: z
      .object({ users: z.int(), of: z.int(), done: z.boolean() })
      .meta({ description: 'Known users whose default recommendations are already computed, of all known users' }),
  }),
);

apiComponents.add(trainingRun, { id: 'Run' });
apiComponents.add(promotion, { id: 'Promotion' });
apiComponents.add(gateDecision, { id: 'GateDecision' });
apiComponents.add(epochMetrics, { id: 'Epoch' });
apiComponents.add(hyperparameterSearch, { id: 'Search' });

const figure = z.number().nullable();
export const liveModel = named(
  'LiveModel',
  z
    .object({
      role: z.enum(['champion', 'challenger']),
      run: z.string(),
      digest: z.string(),
      labels: z.int().meta({ description: 'Posted ratings this model predicted before they were known' }),
      rmse: figure.meta({ description: 'Online RMSE over those labels; null before the first' }),
      servedRatings: z.int().meta({ description: 'Labels by users this model had served a list to' }),
      hits: z.int().meta({ description: 'Of those, ratings of a movie in its last top 10 for the user' }),
      hitRate: figure.meta({ description: 'hits / servedRatings; null before the first served rating' }),
      answers: z.int().meta({ description: 'Answers to users (recommendations, predictions), shadow answers too' }),
      errors: z.int().meta({ description: 'Answers it failed to compute' }),
      p99Ms: figure.meta({ description: 'Upper bound of the answer-time bucket holding the 99th percentile' }),
    })
    .meta({ description: 'One live model’s online figures, counted by this pod since it started' }),
);

export const modelsInsight = named(
  'ModelsInsight',
  z.object({
    model: z.string().nullable(),
    models: z.array(modelRuns),
    serving: z.object({ model: z.string(), run: z.string(), digest: z.string() }).nullable(),
    champion: promotion.nullable().meta({ description: 'The latest promotion' }),
    runs: z.array(trainingRun),
    promotions: z.array(promotion),
    decisions: z.array(gateDecision).meta({ description: 'Every decision of the release gates, newest first' }),
    searches: z.array(hyperparameterSearch).meta({ description: 'The latest hyperparameter searches, newest first' }),
    live: z
      .object({
        mode: z
          .enum(['shadow', 'canary'])
          .nullable()
          .meta({ description: 'How the challenger takes part; null: none' }),
        sharePercent: z.int().meta({ description: 'Percent of users the challenger serves (canary)' }),
        models: z.array(liveModel).meta({ description: 'Champion first, then the challenger' }),
      })
      .meta({
        description:
          'The models this pod serves and their online figures, from its own counters: each pod counts ' +
          'the requests and ratings it answered (the release status sums its pods)',
      }),
  }),
);

export const epochsInsight = named(
  'EpochsInsight',
  z.object({ runs: z.array(z.object({ runId: z.string(), epochs: z.array(epochMetrics) })) }),
);

export const ratingsInsight = named('RatingsInsight', ratingsOverview.extend({ computedAt: timestamp }));

const coldStartCount = z.object({ coldStart: z.int(), total: z.int() });

export const trafficInsight = named(
  'TrafficInsight',
  z.object({
    countingSince: timestamp,
    recommendations: z.object({ user: coldStartCount, visitor: coldStartCount }),
    predictions: coldStartCount,
  }),
);

export const health = named('Health', z.object({ status: z.literal('ok') }));

export const readiness = named(
  'Readiness',
  z.object({ ready: z.boolean(), model: modelRef.nullable(), draining: z.boolean() }),
);

export type VisitorRequest = z.input<typeof visitorRequest>;
export type RatingRequest = z.input<typeof ratingRequest>;
export type ErrorBody = z.input<typeof errorBody>;
export type RecommendedMovie = z.input<typeof recommendedMovie>;
export type UserRecommendations = z.input<typeof userRecommendations>;
export type VisitorRecommendations = z.input<typeof visitorRecommendations>;
export type Prediction = z.input<typeof prediction>;
export type SimilarMovies = z.input<typeof similarMovies>;
export type FoundMovie = z.input<typeof foundMovie>;
export type FoundMovies = z.input<typeof foundMovies>;
export type StoredRating = z.input<typeof storedRating>;
export type ServedModel = z.input<typeof servedModel>;
export type TrainingRun = z.input<typeof trainingRun>;
export type Promotion = z.input<typeof promotion>;
export type GateDecision = z.input<typeof gateDecision>;
export type Epoch = z.input<typeof epochMetrics>;
export type ModelsInsight = z.input<typeof modelsInsight>;
export type EpochsInsight = z.input<typeof epochsInsight>;
export type RatingsInsight = z.input<typeof ratingsInsight>;
export type TrafficInsight = z.input<typeof trafficInsight>;
export type Readiness = z.input<typeof readiness>;
export type HyperparameterSearch = z.input<typeof hyperparameterSearch>;
export type LiveModel = z.input<typeof liveModel>;
