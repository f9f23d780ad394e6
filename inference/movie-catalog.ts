import type { Database } from '../storage/database.ts';

export interface CatalogMovie {
  readonly title: string;
  readonly genres: readonly string[];
}

/** Titles and genres of every movie, held in memory so that answers need no query. */
export type MovieCatalog = ReadonlyMap<number, CatalogMovie>;

export async function loadMovieCatalog(db: Database): Promise<MovieCatalog> {
  const rows = (await db.knex('movies').select('movie_id', 'title', 'genres')) as {
    movie_id: number | string;
    title: string;
    genres: string;
  }[];
  const catalog = new Map<number, CatalogMovie>();
  for (const row of rows) {
    catalog.set(Number(row.movie_id), {
      title: row.title,
      genres: row.genres ? row.genres.split('|').filter((g) => g !== '(no genres listed)') : [],
    });
  }
  return catalog;
}
