import type { DatasetSource } from '../data/dataset.ts';
import { collectRatings } from '../data/ratings-chunks.ts';
import { batchAt, timeOrder } from '../data/time-batches.ts';
import type { Ratings } from '../model/ratings.ts';
import type { Database } from './database.ts';
import { upsertMovies } from './movies-table.ts';
import { ratingValuesSql, REPLACE_RATINGS } from './ratings-table.ts';

export interface LoadRatingsOptions {
  /** Split into this many batches of equal size by rating time (default 1). */
  batches?: number;
  /** Number of the first batch (default 1), to append a later delivery after earlier ones. */
  firstBatch?: number;
  /** Called with the running row count (of `total`) after each committed transaction. */
  onProgress?: (rowsLoaded: number, total: number) => void;
  rowsPerStatement?: number;
  rowsPerTransaction?: number;
  /** Load only batches from..to (numbered as stored, inclusive): one delivery at a time. */
  only?: { from: number; to: number };
}

export interface BatchSummary {
  batch: number;
  ratings: number;
  /** Unix seconds of the batch's earliest and latest rating. */
  firstRatedAt: number;
  lastRatedAt: number;
}

export interface LoadSummary {
  ratings: number;
  batches: BatchSummary[];
}

/**
 * Writes ratings in time order, batch 1 (the earliest) first, so that ids, batches and time
 * agree: loading batch by batch simulates data arriving. Multi-row statements of literal
 * numbers inside transactions; loading the same ratings again replaces them (same values).
 */
export async function loadRatings(
  db: Database,
  ratings: Ratings,
  options: LoadRatingsOptions = {},
): Promise<LoadSummary> {
  const batches = options.batches ?? 1;
  const firstBatch = options.firstBatch ?? 1;
  if (!Number.isInteger(batches) || batches < 1)
    throw new RangeError(`batches must be a positive integer, got ${batches}`);
  const rowsPerStatement = options.rowsPerStatement ?? 5_000;
  const rowsPerTransaction = options.rowsPerTransaction ?? 50_000;
  const n = ratings.length;
  const order = timeOrder(ratings.timestamps);
  const wanted = (batch: number): boolean => !options.only || (batch >= options.only.from && batch <= options.only.to);
  const summaries: BatchSummary[] = [];
  const summarize = (position: number, batch: number): void => {
    const ratedAt = ratings.timestamps[order[position]!]!;
    const last = summaries.at(-1);
    if (last?.batch === batch) {
      last.ratings++;
      last.lastRatedAt = ratedAt;
    } else {
      summaries.push({ batch, ratings: 1, firstRatedAt: ratedAt, lastRatedAt: ratedAt });
    }
  };

  for (let txStart = 0; txStart < n; txStart += rowsPerTransaction) {
    const txEnd = Math.min(n, txStart + rowsPerTransaction);
    await db.knex.transaction(async (trx) => {
      for (let start = txStart; start < txEnd; start += rowsPerStatement) {
        const end = Math.min(txEnd, start + rowsPerStatement);
        const rows: string[] = [];
        for (let p = start; p < end; p++) {
          const i = order[p]!;
          const batch = firstBatch - 1 + batchAt(p, n, batches);
          if (!wanted(batch)) continue;
          rows.push(
            ratingValuesSql(
              ratings.userIds[i]!,
              ratings.movieIds[i]!,
              ratings.values[i]!,
              ratings.timestamps[i]!,
              batch,
            ),
          );
          summarize(p, batch);
        }
        if (rows.length > 0) await trx.raw(`${REPLACE_RATINGS} ${rows.join(',')}`);
      }
    });
    options.onProgress?.(txEnd, n);
  }
  return { ratings: summaries.reduce((sum, batch) => sum + batch.ratings, 0), batches: summaries };
}

export interface LoadDatasetOptions extends LoadRatingsOptions {
  /** Called once the movie list is stored. */
  onMovies?: (moviesLoaded: number) => void;
}

/** A MovieLens folder into the database: its movie list, then its ratings as batches. */
export async function loadDataset(
  db: Database,
  source: DatasetSource,
  options: LoadDatasetOptions = {},
): Promise<LoadSummary & { movies: number }> {
  const movies = await upsertMovies(db, source.movies());
  options.onMovies?.(movies);
  const ratings = await collectRatings(source.ratings());
  return { movies, ...(await loadRatings(db, ratings, options)) };
}
