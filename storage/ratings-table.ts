import type { Knex } from 'knex';
import type { z } from 'zod';
import type { ratingCounts, snapshotBound } from './shapes.ts';
import type { Database } from './database.ts';

/**
 * Which ratings a snapshot holds. `maxRatingId` (inclusive) pins it against later writes;
 * `upToBatch` keeps bulk-loaded batches 1..N only (ratings that arrived one by one have no
 * batch and are left out); `ratedBefore` keeps ratings whose rated_at (Unix seconds) is earlier.
 */
export type SnapshotBound = z.output<typeof snapshotBound>;
export type RatingCounts = z.output<typeof ratingCounts>;

export interface NewRating {
  userId: number;
  movieId: number;
  rating: number;
  /** Unix seconds; now when absent. */
  ratedAt?: number;
  batch?: number | null;
}

/**
 * Stores one rating and returns its id once committed. A user who rates a movie again replaces
 * the earlier rating: the row is rewritten with a new, higher id, so it counts as new data.
 */
export async function insertRating(db: Database, rating: NewRating): Promise<{ id: number }> {
  const ratedAt = rating.ratedAt ?? Math.floor(Date.now() / 1000);
  const row = ratingValuesSql(rating.userId, rating.movieId, rating.rating, ratedAt, rating.batch ?? null);
  const result = await db.knex.raw(`${REPLACE_RATINGS} ${row}`);
  return { id: insertedId(db, result) };
}

// REPLACE is MySQL's delete-then-insert on a unique-key clash; SQLite accepts the same words
// (INSERT OR REPLACE). With AUTOINCREMENT neither reuses an id.
export const REPLACE_RATINGS = 'REPLACE INTO ratings (user_id, movie_id, rating, rated_at, batch) VALUES';

/** One `(...)` row of literal numbers: validated here, since they go into SQL text unquoted. */
export function ratingValuesSql(
  userId: number,
  movieId: number,
  rating: number,
  ratedAt: number,
  batch: number | null,
): string {
  if (!isId(userId)) throw new RangeError(`userId must be a non-negative 32-bit integer, got ${userId}`);
  if (!isId(movieId)) throw new RangeError(`movieId must be a non-negative 32-bit integer, got ${movieId}`);
  if (!Number.isFinite(rating)) throw new RangeError(`rating must be a finite number, got ${rating}`);
  if (!Number.isFinite(ratedAt)) throw new RangeError(`ratedAt must be finite Unix seconds, got ${ratedAt}`);
  if (batch !== null && !isId(batch))
    throw new RangeError(`batch must be a non-negative integer or null, got ${batch}`);
  return `(${userId},${movieId},${rating},${Math.floor(ratedAt)},${batch ?? 'NULL'})`;
}

function isId(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 0x7fffffff;
}

function insertedId(db: Database, result: unknown): number {
  // mysql2 answers [ResultSetHeader, fields]; node:sqlite a { lastInsertRowid, changes } object.
  const id =
    db.dialect === 'mysql'
      ? (result as [{ insertId: number }])[0].insertId
      : (result as { lastInsertRowid: number | bigint }).lastInsertRowid;
  return Number(id);
}

/** The highest rating id: the bound of a snapshot taken now (0 when there are none). */
export async function ratingsHighWaterMark(db: Database): Promise<number> {
  const row = (await db.knex('ratings').max({ max: 'id' }).first()) as { max: number | string | null } | undefined;
  return Number(row?.max ?? 0);
}

/** Ratings written after a snapshot: new pairs and re-ratings alike. */
export async function countRatingsSince(db: Database, maxRatingId: number): Promise<number> {
  const row = (await db.knex('ratings').where('id', '>', maxRatingId).count({ n: '*' }).first()) as {
    n: number | string;
  };
  return Number(row.n);
}

/** Ratings, distinct users and distinct movies within a bound, counted by the database. */
export async function countRatings(db: Database, bound: SnapshotBound = {}): Promise<RatingCounts> {
  const row = (await applyBound(db.knex('ratings'), bound)
    .select(
      db.knex.raw('count(*) as ratings'),
      db.knex.raw('count(distinct user_id) as users'),
      db.knex.raw('count(distinct movie_id) as movies'),
    )
    .first()) as Record<keyof RatingCounts, number | string>;
  return { ratings: Number(row.ratings), users: Number(row.users), movies: Number(row.movies) };
}

export function applyBound(query: Knex.QueryBuilder, bound: SnapshotBound): Knex.QueryBuilder {
  if (bound.maxRatingId !== undefined) query.where('id', '<=', bound.maxRatingId);
  if (bound.upToBatch !== undefined) query.whereNotNull('batch').where('batch', '<=', bound.upToBatch);
  if (bound.ratedBefore !== undefined) query.where('rated_at', '<', bound.ratedBefore);
  return query;
}
