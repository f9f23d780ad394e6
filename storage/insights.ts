/**
 * Read-only aggregates for the web page's Models and Data views: which models have runs, the
 * epochs of several runs at once, and the shape of the ratings table. Every aggregate is computed
 * by the database (GROUP BY), so a 20M-row table sends back a few thousand rows at most.
 */
import type { Database } from './database.ts';
import type { z } from 'zod';
import type { batchCount, countFrequency, modelRuns, ratingsOverview as ratingsOverviewShape } from './shapes.ts';
import type { EpochMetrics } from './training-runs.ts';
import { toDate, toNumberOrNull } from './time-values.ts';

/** What drivers return for counts and sums: mysql2 may answer big numbers as strings. */
type Numeric = number | string;

export type ModelRuns = z.output<typeof modelRuns>;

/** Every model name that has training runs, the most recently trained first. */
export async function listModels(db: Database): Promise<ModelRuns[]> {
  const rows = (await db
    .knex('training_runs')
    .select('model')
    .count({ runs: '*' })
    .max({ latest: 'started_at' })
    .groupBy('model')
    .orderBy([
      { column: 'latest', order: 'desc' },
      { column: 'model', order: 'asc' },
    ])) as unknown as { model: string; runs: Numeric; latest: Date | number | string }[];
  return rows.map((row) => ({
    model: String(row.model),
    runs: Number(row.runs),
    latestStartedAt: toDate(row.latest)!,
  }));
}

/** The epochs of each run asked for, in the order asked (a run without epochs gets an empty list). */
export async function listEpochsOfRuns(
  db: Database,
  runIds: readonly string[],
): Promise<{ runId: string; epochs: EpochMetrics[] }[]> {
  const byRun = new Map<string, EpochMetrics[]>(runIds.map((id) => [id, []]));
  if (runIds.length > 0) {
    const rows = await db
      .knex('epoch_metrics')
      .whereIn('run_id', [...byRun.keys()])
      .orderBy([{ column: 'run_id' }, { column: 'epoch' }]);
    for (const row of rows) {
      byRun.get(row.run_id)?.push({
        epoch: Number(row.epoch),
        trainLoss: Number(row.train_loss),
        validationRmse: toNumberOrNull(row.validation_rmse),
        seconds: Number(row.seconds),
      });
    }
  }
  return [...byRun].map(([runId, epochs]) => ({ runId, epochs }));
}

export type CountFrequency = z.output<typeof countFrequency>;
export type BatchCount = z.output<typeof batchCount>;
export type RatingsOverview = z.output<typeof ratingsOverviewShape>;

/** The shape of the ratings table: size, sparsity, value distribution, long tails, time and batches. */
export async function ratingsOverview(db: Database): Promise<RatingsOverview> {
  const { knex } = db;
  // Integer division of Unix seconds into days: MySQL's `/` would return a decimal.
  const day = db.dialect === 'mysql' ? 'rated_at div 86400' : 'cast(rated_at / 86400 as integer)';
  const frequency = (column: 'user_id' | 'movie_id') =>
    knex
      .select('per.k as ratings')
      .count({ entities: '*' })
      .from(knex('ratings').select(knex.raw('count(*) as k')).groupBy(column).as('per'))
      .groupBy('per.k')
      .orderBy('per.k');
  const [totals, catalogue, values, perUser, perMovie, perDay, perBatch] = (await Promise.all([
    knex('ratings')
      .select(
        knex.raw('count(*) as ratings'),
        knex.raw('count(distinct user_id) as users'),
        knex.raw('count(distinct movie_id) as movies'),
        knex.raw('avg(rating) as mean'),
      )
      .first(),
    knex('movies').count({ n: '*' }).first(),
    knex('ratings').select('rating').count({ n: '*' }).groupBy('rating').orderBy('rating'),
    frequency('user_id'),
    frequency('movie_id'),
    knex('ratings')
      .select(knex.raw(`${day} as day`))
      .count({ n: '*' })
      .groupByRaw(day)
      .orderByRaw(day),
    knex('ratings')
      .select('batch')
      .count({ n: '*' })
      .min({ first: 'rated_at' })
      .max({ last: 'rated_at' })
      .groupBy('batch')
      .orderBy('batch'),
  ])) as unknown as [
    { ratings: Numeric; users: Numeric; movies: Numeric; mean: Numeric | null },
    { n: Numeric },
    { rating: Numeric; n: Numeric }[],
    { ratings: Numeric; entities: Numeric }[],
    { ratings: Numeric; entities: Numeric }[],
    { day: Numeric; n: Numeric }[],
    { batch: Numeric | null; n: Numeric; first: Numeric; last: Numeric }[],
  ];
  const ratings = Number(totals.ratings);
  const users = Number(totals.users);
  const movies = Number(totals.movies);
  const perMonth: { month: string; count: number }[] = [];
  for (const row of perDay) {
    const month = new Date(Number(row.day) * 86_400_000).toISOString().slice(0, 7);
    const last = perMonth.at(-1);
    if (last?.month === month) last.count += Number(row.n);
    else perMonth.push({ month, count: Number(row.n) });
  }
  const batches = perBatch.map((row) => ({
    batch: row.batch === null ? null : Number(row.batch),
    ratings: Number(row.n),
    firstRatedAt: Number(row.first),
    lastRatedAt: Number(row.last),
  }));
  // SQL sorts NULL first on both dialects; ratings that arrived one by one read better last.
  batches.sort((a, b) => (a.batch ?? Infinity) - (b.batch ?? Infinity));
  return {
    ratings,
    users,
    movies,
    catalogueMovies: Number(catalogue.n),
    meanRating: ratings > 0 ? Number(totals.mean) : null,
    sparsity: ratings > 0 ? 1 - ratings / (users * movies) : null,
    // Ratings are half stars, exact in a float column; rounding removes any driver noise.
    values: values.map((row) => ({ rating: Math.round(Number(row.rating) * 2) / 2, count: Number(row.n) })),
    perUser: perUser.map(toFrequency),
    perMovie: perMovie.map(toFrequency),
    perMonth,
    perBatch: batches,
  };
}

function toFrequency(row: { ratings: Numeric; entities: Numeric }): CountFrequency {
  return { ratings: Number(row.ratings), entities: Number(row.entities) };
}
