import { RatingsBuilder, type Ratings } from '../model/ratings.ts';
import type { Database } from './database.ts';
import { applyBound, ratingsHighWaterMark, type RatingCounts, type SnapshotBound } from './ratings-table.ts';

export interface RatingsSnapshot {
  readonly ratings: Ratings;
  /** The bound actually read, with maxRatingId always set: record it to say what a run saw. */
  readonly bound: SnapshotBound & { maxRatingId: number };
  readonly counts: RatingCounts;
}

export interface ReadSnapshotOptions {
  /** Called with the running row count after each page. */
  onProgress?: (rowsLoaded: number) => void;
  /** Rows per round trip (default 50,000). */
  pageRows?: number;
}

/**
 * Reads the ratings within `bound` into a columnar table, in id order (the order their
 * current values were written). Without maxRatingId the snapshot is pinned to the highest id
 * at the start, so ratings arriving during the read are not half-included.
 */
export async function readRatingsSnapshot(
  db: Database,
  bound: SnapshotBound = {},
  options: ReadSnapshotOptions = {},
): Promise<RatingsSnapshot> {
  const pinned = { ...bound, maxRatingId: bound.maxRatingId ?? (await ratingsHighWaterMark(db)) };
  const builder = new RatingsBuilder(1 << 16);
  const pageRows = options.pageRows ?? 50_000;
  // Keyset pages on the primary key rather than a row stream: each page is one round trip
  // parsed in bulk, where a stream pays for an object and an await per row.
  for (let afterId = 0; ; ) {
    const page = (await applyBound(db.knex('ratings').select('id', 'user_id', 'movie_id', 'rating', 'rated_at'), pinned)
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(pageRows)
      .options({ rowsAsArray: true })) as unknown as Array<[number, number, number, number, number | string]>;
    for (const row of page) builder.push(row[1], row[2], row[3], Number(row[4]));
    options.onProgress?.(builder.length);
    if (page.length < pageRows) break;
    afterId = Number(page[page.length - 1]![0]);
  }
  const ratings = builder.build();
  return {
    ratings,
    bound: pinned,
    counts: { ratings: ratings.length, users: countDistinct(ratings.userIds), movies: countDistinct(ratings.movieIds) },
  };
}

/** Distinct values: a byte per possible id when ids are small (MovieLens ids are), else a Set. */
export function countDistinct(ids: Int32Array): number {
  let max = 0;
  for (let i = 0; i < ids.length; i++) if (ids[i]! > max) max = ids[i]!;
  if (max >= 1 << 26) return new Set(ids).size;
  const seen = new Uint8Array(max + 1);
  let distinct = 0;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (seen[id] === 0) {
      seen[id] = 1;
      distinct++;
    }
  }
  return distinct;
}
