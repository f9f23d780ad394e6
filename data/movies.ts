import { parseCsv } from './csv.ts';
import { DataFormatError } from './data-format-error.ts';
import { decodeText, readWholeFile } from './file-input.ts';

export interface Movie {
  readonly movieId: number;
  readonly title: string;
  /** As the dataset lists them, e.g. ["Adventure", "Comedy"] or ["(no genres listed)"]. */
  readonly genres: readonly string[];
}

// Movie lists are read whole: the largest (ml-25m) is 3 MB, and the encoding check needs all of it.

/** movies.csv: header `movieId,title,genres`, RFC 4180 quoting, genres separated by `|`. */
export async function* readMoviesCsv(file: string): AsyncGenerator<Movie> {
  const records = parseCsv(decodeText(await readWholeFile(file)), file);
  const header = records.next();
  if (header.done) throw new DataFormatError(file, 1, 'empty file: expected header movieId,title,genres');
  const names = header.value.fields.map((name) => name.trim().toLowerCase());
  const idColumn = names.indexOf('movieid');
  const titleColumn = names.indexOf('title');
  const genresColumn = names.indexOf('genres');
  if (idColumn < 0 || titleColumn < 0) {
    throw new DataFormatError(file, 1, `header must name movieId and title; found "${header.value.fields.join(',')}"`);
  }
  for (const { fields, line } of records) {
    const title = fields[titleColumn];
    if (title === undefined)
      throw new DataFormatError(file, line, `expected ${names.length} fields, found ${fields.length}`);
    const genres = genresColumn >= 0 ? (fields[genresColumn] ?? '') : '';
    yield { movieId: parseMovieId(fields[idColumn], file, line), title, genres: splitGenres(genres) };
  }
}

/** movies.dat of ml-1m / ml-10m: `MovieID::Title::Genres`, Latin-1 or UTF-8. */
export async function* readMoviesDat(file: string): AsyncGenerator<Movie> {
  let line = 0;
  for (const text of splitLines(decodeText(await readWholeFile(file)))) {
    line++;
    if (text === '') continue;
    const first = text.indexOf('::');
    const last = text.lastIndexOf('::');
    if (first < 0 || last === first)
      throw new DataFormatError(file, line, `expected MovieID::Title::Genres: "${text}"`);
    yield {
      movieId: parseMovieId(text.slice(0, first), file, line),
      title: text.slice(first + 2, last),
      genres: splitGenres(text.slice(last + 2)),
    };
  }
}

/** The 19 genres of ml-100k, in u.genre order (the flag order of u.item). */
export const ML_100K_GENRES: readonly string[] = [
  'unknown',
  'Action',
  'Adventure',
  'Animation',
  "Children's",
  'Comedy',
  'Crime',
  'Documentary',
  'Drama',
  'Fantasy',
  'Film-Noir',
  'Horror',
  'Musical',
  'Mystery',
  'Romance',
  'Sci-Fi',
  'Thriller',
  'War',
  'Western',
];

/**
 * u.item of ml-100k: `id|title|release date|video release date|IMDb URL|` then one 0/1 flag per
 * genre, named by u.genre when given.
 */
export async function* readMoviesItem(file: string, genreFile: string | null = null): AsyncGenerator<Movie> {
  const genreNames = genreFile ? await readGenreNames(genreFile) : ML_100K_GENRES;
  const fieldCount = 5 + genreNames.length;
  let line = 0;
  for (const text of splitLines(decodeText(await readWholeFile(file)))) {
    line++;
    if (text === '') continue;
    const fields = text.split('|');
    if (fields.length !== fieldCount) {
      throw new DataFormatError(file, line, `expected ${fieldCount} |-separated fields, found ${fields.length}`);
    }
    const genres: string[] = [];
    for (let g = 0; g < genreNames.length; g++) {
      const flag = fields[5 + g];
      if (flag === '1') genres.push(genreNames[g]!);
      else if (flag !== '0') throw new DataFormatError(file, line, `genre flag ${g + 1} is "${flag}", expected 0 or 1`);
    }
    yield { movieId: parseMovieId(fields[0], file, line), title: fields[1]!, genres };
  }
}

/** u.genre: `name|index` lines. */
export async function readGenreNames(file: string): Promise<string[]> {
  const names: string[] = [];
  let line = 0;
  for (const text of splitLines(decodeText(await readWholeFile(file)))) {
    line++;
    if (text === '') continue;
    const bar = text.lastIndexOf('|');
    const index = Number(text.slice(bar + 1));
    if (bar < 0 || !Number.isInteger(index) || index < 0) {
      throw new DataFormatError(file, line, `expected name|index: "${text}"`);
    }
    names[index] = text.slice(0, bar);
  }
  for (let i = 0; i < names.length; i++) {
    if (names[i] === undefined) throw new DataFormatError(file, line, `genre index ${i} is missing`);
  }
  return names;
}

function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}

function splitGenres(text: string): string[] {
  return text === '' ? [] : text.split('|');
}

function parseMovieId(text: string | undefined, file: string, line: number): number {
  const id = Number(text?.trim());
  if (text === undefined || text.trim() === '' || !Number.isInteger(id) || id < 0 || id > 0x7fffffff) {
    throw new DataFormatError(file, line, `movieId "${text ?? ''}" is not a non-negative integer`);
  }
  return id;
}
