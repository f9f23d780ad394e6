import type { Movie } from '../data/movies.ts';
import type { Database } from './database.ts';

export interface MovieRow {
  readonly movieId: number;
  readonly title: string;
  readonly genres: string[];
}

// knex writes a multi-row SQLite insert as a compound SELECT, which SQLite caps at 500 terms.
const UPSERT_CHUNK = 400;

/** Inserts or updates movies (by movie_id) in chunks; returns how many were written. */
export async function upsertMovies(db: Database, movies: Iterable<Movie> | AsyncIterable<Movie>): Promise<number> {
  let written = 0;
  let chunk: Array<{ movie_id: number; title: string; genres: string }> = [];
  const flush = async (): Promise<void> => {
    if (chunk.length === 0) return;
    await db.knex('movies').insert(chunk).onConflict('movie_id').merge(['title', 'genres']);
    written += chunk.length;
    chunk = [];
  };
  for await (const movie of movies) {
    chunk.push({ movie_id: movie.movieId, title: movie.title, genres: movie.genres.join('|') });
    if (chunk.length === UPSERT_CHUNK) await flush();
  }
  await flush();
  return written;
}

/** The movies among `ids` that exist, in the order of `ids`. */
export async function getMovies(db: Database, ids: readonly number[]): Promise<MovieRow[]> {
  const byId = new Map<number, MovieRow>();
  for (let start = 0; start < ids.length; start += UPSERT_CHUNK) {
    const rows = await db
      .knex('movies')
      .select('movie_id', 'title', 'genres')
      .whereIn('movie_id', ids.slice(start, start + UPSERT_CHUNK));
    for (const row of rows) byId.set(Number(row.movie_id), toMovie(row));
  }
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** Movies whose title contains `text` (case-insensitive), by title. */
export async function searchMovies(db: Database, text: string, limit = 20): Promise<MovieRow[]> {
  // '!' as the LIKE escape: a backslash means different things to MySQL and SQLite literals.
  const pattern = `%${text.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
  const rows = await db
    .knex('movies')
    .select('movie_id', 'title', 'genres')
    .whereRaw(`lower(title) like ? escape '!'`, [pattern])
    .orderBy('title')
    .limit(limit);
  return rows.map(toMovie);
}

export async function countMovies(db: Database): Promise<number> {
  const row = (await db.knex('movies').count({ n: '*' }).first()) as { n: number | string };
  return Number(row.n);
}

function toMovie(row: { movie_id: number; title: string; genres: string }): MovieRow {
  return { movieId: Number(row.movie_id), title: row.title, genres: row.genres === '' ? [] : row.genres.split('|') };
}
