/**
 * The records storage reads, as zod schemas: the one description of each, from which storage's
 * types, the HTTP API's JSON and its OpenAPI document follow. A schema's output is the record in
 * the process (times as Dates), its input the record as JSON (times as ISO 8601 strings, what
 * JSON.stringify writes). Imports nothing but zod, so that the web page can read the types.
 */
import { z } from 'zod';

/** A time: a Date in the process, its ISO 8601 string in JSON. */
export const timestamp = z.codec(z.iso.datetime(), z.date(), {
  decode: (text) => new Date(text),
  encode: (date) => date.toISOString(),
});

/** Which ratings a training run reads; an absent bound does not limit. */
export const snapshotBound = z.object({
  maxRatingId: z.int().optional(),
  upToBatch: z.int().optional(),
  ratedBefore: z.int().optional().meta({ description: 'Unix seconds' }),
});

export const ratingCounts = z.object({ ratings: z.int(), users: z.int(), movies: z.int() });

export const RUN_STATUSES = ['Running', 'Succeeded', 'Failed'] as const;

const metricValue = z.number().nullable();

/** A run's test-set figures; null until it finished, or when it did not measure one. */
export const runMetrics = z.object({
  rmse: metricValue,
  mae: metricValue,
  precisionAt10: metricValue,
  recallAt10: metricValue,
  ndcgAt10: metricValue,
  coverage: metricValue,
  trainSeconds: metricValue,
});

export const runArtifact = z.object({
  uri: z.string(),
  digest: z.string().meta({ description: '`sha256:<hex>` of the manifest' }),
  sizeBytes: z.int(),
});

export const trainingRun = z.object({
  runId: z.string(),
  model: z.string(),
  status: z.enum(RUN_STATUSES),
  attempts: z.int(),
  params: z.record(z.string(), z.unknown()),
  snapshot: snapshotBound.nullable(),
  dataset: ratingCounts.nullable(),
  metrics: runMetrics,
  artifact: runArtifact.nullable(),
  rankingModel: z.string().nullable().meta({
    description: 'The model that ranks in the artifact (popularity, cooccurrence, ease, ials), chosen by the trainer',
  }),
  message: z.string().nullable(),
  startedAt: timestamp,
  finishedAt: timestamp.nullable(),
});

export const epochMetrics = z.object({
  epoch: z.int(),
  trainLoss: z.number().meta({ description: 'Training RMSE' }),
  validationRmse: z.number().nullable(),
  seconds: z.number(),
});

export const promotion = z.object({
  id: z.int(),
  model: z.string(),
  runId: z.string(),
  previousRunId: z.string().nullable(),
  reason: z.string().meta({ description: 'Why: "rmse 0.861 beats 0.874 by more than minImprovement 0.005", "pinned"' }),
  metric: z.string().meta({ description: 'The metric judged, e.g. rmse' }),
  metricValue: z.number().nullable(),
  previousMetricValue: z.number().nullable(),
  promotedAt: timestamp,
});

export const GATE_OUTCOMES = ['Promoted', 'Rejected', 'Pinned'] as const;

export const gateDecision = z
  .object({
    id: z.int(),
    model: z.string(),
    runId: z.string().meta({ description: 'The run judged' }),
    outcome: z.enum(GATE_OUTCOMES),
    reason: z.string(),
    metric: z.string().meta({ description: 'The release’s promotion metric' }),
    metricValue: z.number().nullable().meta({ description: 'The run’s value of the metric' }),
    championRunId: z.string().nullable().meta({
      description: 'The champion it was judged against: replaced when promoted or pinned, kept when rejected',
    }),
    championMetricValue: z.number().nullable(),
    decidedAt: timestamp,
  })
  .meta({ description: 'One judgement of the release gates, as the operator recorded it' });

export const TRIAL_STATES = ['Succeeded', 'Stopped', 'Failed'] as const;
export const OBJECTIVE_DIRECTIONS = ['maximize', 'minimize'] as const;

export const searchObjective = z.object({
  metric: z.string().meta({ description: 'Measured on the validation slice: validationRmse or validationNdcgAt10' }),
  direction: z.enum(OBJECTIVE_DIRECTIONS),
});

export const searchTrial = z.object({
  index: z.int(),
  runId: z.string().meta({ description: 'The trial’s own training run: `<search run id>/trial-<index>`' }),
  state: z.enum(TRIAL_STATES).meta({ description: 'Succeeded; Stopped early by the median stopping rule; Failed' }),
  parameters: z.record(z.string(), z.union([z.number(), z.string()])).meta({ description: 'The values it tried' }),
  objectiveValue: z.number().nullable().meta({ description: 'The objective on the validation slice' }),
  stoppedAtEpoch: z.int().nullable().meta({ description: 'The last epoch a Stopped trial trained' }),
});

export const hyperparameterSearch = z
  .object({
    searchRunId: z.string().meta({ description: 'The TrainingRun with spec.search, as `<namespace>/<name>`' }),
    objective: searchObjective.nullable().meta({ description: 'null: trials recorded before migration 006' }),
    best: z.int().nullable().meta({ description: 'Index of the best trial by the objective; null when none' }),
    trials: z.array(searchTrial),
    startedAt: timestamp.meta({ description: 'When its first recorded trial started' }),
  })
  .meta({ description: 'A hyperparameter search and the trials it recorded, by index' });

export const modelRuns = z.object({ model: z.string(), runs: z.int(), latestStartedAt: timestamp });

export const countFrequency = z
  .object({ ratings: z.int(), entities: z.int() })
  .meta({ description: '`entities` users (or movies) have exactly `ratings` ratings each' });

export const batchCount = z.object({
  batch: z.int().nullable().meta({ description: 'null: ratings posted one by one, not bulk-loaded in a batch' }),
  ratings: z.int(),
  firstRatedAt: z.int().meta({ description: 'Unix seconds of the batch’s earliest rating' }),
  lastRatedAt: z.int(),
});

export const ratingsOverview = z.object({
  ratings: z.int(),
  users: z.int().meta({ description: 'Distinct users with at least one rating' }),
  movies: z.int().meta({ description: 'Distinct movies with at least one rating' }),
  catalogueMovies: z.int().meta({ description: 'Movies in the catalogue, rated or not' }),
  meanRating: z.number().nullable(),
  sparsity: z.number().nullable().meta({ description: 'Share of the users × rated movies matrix without a rating' }),
  values: z
    .array(z.object({ rating: z.number(), count: z.int() }))
    .meta({ description: 'How many ratings of each value (0.5 steps), ascending' }),
  perUser: z.array(countFrequency).meta({ description: 'The long tail, ascending by count' }),
  perMovie: z.array(countFrequency),
  perMonth: z
    .array(z.object({ month: z.string(), count: z.int() }))
    .meta({ description: 'Ratings per calendar month (UTC), ascending; months without ratings are absent' }),
  perBatch: z.array(batchCount),
});
