import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Ratings } from '../model/ratings.ts';
import { findDataFile, readFileChunks } from './file-input.ts';
import { readMoviesCsv, readMoviesDat, readMoviesItem, type Movie } from './movies.ts';
import { collectRatings, type ProgressCallback } from './ratings-chunks.ts';
import {
  CSV_RATINGS,
  DAT_RATINGS,
  DEFAULT_CHUNK_ROWS,
  parseRatings,
  TAB_RATINGS,
  type RatingsLayout,
} from './ratings-parser.ts';

/**
 * The three MovieLens file layouts:
 * - `csv`: ratings.csv + movies.csv with headers (ml-latest-small, ml-latest, ml-20m, ml-25m);
 * - `ml-100k`: tab-separated u.data + `|`-separated u.item with genre flags;
 * - `dat`: `::`-separated ratings.dat + movies.dat (ml-1m, ml-10m).
 */
export type DatasetFormat = 'csv' | 'ml-100k' | 'dat';

export interface DatasetSource {
  readonly dir: string;
  readonly format: DatasetFormat;
  readonly ratingsFile: string;
  /** Null when the folder has ratings but no movie list. */
  readonly moviesFile: string | null;
  /** Ratings in file order, as columnar chunks of up to `chunkRows` rows. */
  ratings(chunkRows?: number): AsyncIterable<Ratings>;
  /** Movies in file order; nothing when the folder has no movie list. */
  movies(): AsyncIterable<Movie>;
}

interface FormatFiles {
  readonly format: DatasetFormat;
  readonly ratings: string;
  readonly layout: RatingsLayout;
  readonly movies: string;
}

const FORMATS: readonly FormatFiles[] = [
  { format: 'csv', ratings: 'ratings.csv', layout: CSV_RATINGS, movies: 'movies.csv' },
  { format: 'ml-100k', ratings: 'u.data', layout: TAB_RATINGS, movies: 'u.item' },
  { format: 'dat', ratings: 'ratings.dat', layout: DAT_RATINGS, movies: 'movies.dat' },
];

/** Recognizes a MovieLens folder by the files it holds (each plain or gzipped as NAME.gz). */
export async function openDataset(dir: string): Promise<DatasetSource> {
  for (const candidate of FORMATS) {
    const ratingsFile = await findDataFile(dir, candidate.ratings);
    if (!ratingsFile) continue;
    const moviesFile = await findDataFile(dir, candidate.movies);
    const genreFile = candidate.format === 'ml-100k' ? await findDataFile(dir, 'u.genre') : null;
    return {
      dir,
      format: candidate.format,
      ratingsFile,
      moviesFile,
      ratings: (chunkRows = DEFAULT_CHUNK_ROWS) =>
        parseRatings(readFileChunks(ratingsFile), candidate.layout, ratingsFile, chunkRows),
      movies: () => readMovies(candidate.format, moviesFile, genreFile),
    };
  }
  throw new Error(`${dir}: not a MovieLens dataset folder (expected ratings.csv, u.data or ratings.dat, plain or .gz)`);
}

async function* readMovies(
  format: DatasetFormat,
  file: string | null,
  genreFile: string | null,
): AsyncGenerator<Movie> {
  if (!file) return;
  if (format === 'csv') yield* readMoviesCsv(file);
  else if (format === 'dat') yield* readMoviesDat(file);
  else yield* readMoviesItem(file, genreFile);
}

export interface ReadRatingsOptions {
  onProgress?: ProgressCallback;
}

/**
 * All ratings of a dataset folder, or of one ratings file (u.data, *.dat, or CSV with a header),
 * as one columnar table in file order.
 */
export async function readRatings(path: string, options: ReadRatingsOptions = {}): Promise<Ratings> {
  if ((await stat(path)).isDirectory()) {
    return collectRatings((await openDataset(path)).ratings(), options.onProgress);
  }
  return collectRatings(parseRatings(readFileChunks(path), layoutForFile(path), path), options.onProgress);
}

/**
 * A ratings CSV such as the `evaluate` command takes: a header naming at least userId, movieId
 * and rating (timestamp optional, any column order), plain or gzipped.
 */
export async function readRatingsCsv(file: string, options: ReadRatingsOptions = {}): Promise<Ratings> {
  return collectRatings(parseRatings(readFileChunks(file), CSV_RATINGS, file), options.onProgress);
}

function layoutForFile(path: string): RatingsLayout {
  const name = basename(path).replace(/\.gz$/, '');
  if (name === 'u.data' || name.endsWith('.tsv')) return TAB_RATINGS;
  if (name.endsWith('.dat')) return DAT_RATINGS;
  return CSV_RATINGS;
}
