import type { Ratings } from '../model/ratings.ts';
import { DataFormatError } from './data-format-error.ts';

/** Where the four rating fields sit in a line. `timestamp` is -1 when the file has none. */
export interface RatingColumns {
  readonly user: number;
  readonly movie: number;
  readonly rating: number;
  readonly timestamp: number;
}

export interface RatingsLayout {
  /** Field separator: `,`, a tab, or `::`. */
  readonly separator: string;
  /** Columns by position; absent means the first line is a header that names them. */
  readonly columns?: RatingColumns;
}

const POSITIONAL: RatingColumns = { user: 0, movie: 1, rating: 2, timestamp: 3 };

/** ratings.csv of ml-latest-small, ml-20m, ml-25m, and the `evaluate` command's files. */
export const CSV_RATINGS: RatingsLayout = { separator: ',' };
/** u.data of ml-100k. */
export const TAB_RATINGS: RatingsLayout = { separator: '\t', columns: POSITIONAL };
/** ratings.dat of ml-1m and ml-10m. */
export const DAT_RATINGS: RatingsLayout = { separator: '::', columns: POSITIONAL };

export const DEFAULT_CHUNK_ROWS = 1 << 16;

const HEADER_NAMES: Record<string, keyof RatingColumns> = {
  userid: 'user',
  user_id: 'user',
  user: 'user',
  movieid: 'movie',
  movie_id: 'movie',
  itemid: 'movie',
  item_id: 'movie',
  movie: 'movie',
  item: 'movie',
  rating: 'rating',
  timestamp: 'timestamp',
};

/**
 * Parses ratings straight from bytes into columnar chunks of up to `chunkRows` rows: no string
 * or object per row, which is what keeps 20 million rows to seconds. Blank lines are skipped;
 * CRLF and LF are both accepted; fields after the last needed column are ignored.
 */
export async function* parseRatings(
  chunks: AsyncIterable<Buffer>,
  layout: RatingsLayout,
  file: string,
  chunkRows = DEFAULT_CHUNK_ROWS,
): AsyncGenerator<Ratings> {
  let parser = layout.columns ? new RatingRowParser(file, layout.separator, layout.columns, chunkRows) : null;
  let carry: Buffer | null = null;
  for await (const chunk of chunks) {
    const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    const lastNewline = buf.lastIndexOf(10);
    if (lastNewline < 0) {
      carry = buf;
      continue;
    }
    let pos = 0;
    if (!parser) {
      const headerEnd = buf.indexOf(10);
      parser = parserFromHeader(buf, 0, headerEnd, layout.separator, file, chunkRows);
      pos = headerEnd + 1;
    }
    while (pos <= lastNewline) {
      pos = parser.parse(buf, pos, lastNewline + 1);
      if (parser.full) yield parser.take();
    }
    carry = lastNewline + 1 < buf.length ? buf.subarray(lastNewline + 1) : null;
  }
  if (carry) {
    let pos = 0;
    if (!parser) {
      parser = parserFromHeader(carry, 0, carry.length, layout.separator, file, chunkRows);
      pos = carry.length;
    }
    while (pos < carry.length) {
      pos = parser.parse(carry, pos, carry.length);
      if (parser.full) yield parser.take();
    }
  }
  if (!parser) throw new DataFormatError(file, 1, 'empty file: expected a header line naming userId, movieId, rating');
  if (parser.length > 0) yield parser.take();
}

function parserFromHeader(
  buf: Buffer,
  start: number,
  end: number,
  separator: string,
  file: string,
  chunkRows: number,
): RatingRowParser {
  const text = buf
    .toString('utf8', start, end)
    .replace(/^\uFEFF/, '')
    .replace(/\r$/, '');
  const found: Partial<Record<keyof RatingColumns, number>> = {};
  text.split(separator).forEach((raw, index) => {
    const role =
      HEADER_NAMES[
        raw
          .trim()
          .replace(/^"(.*)"$/, '$1')
          .toLowerCase()
      ];
    if (role && found[role] === undefined) found[role] = index;
  });
  if (found.user === undefined || found.movie === undefined || found.rating === undefined) {
    throw new DataFormatError(file, 1, `header must name userId, movieId and rating columns; found "${clip(text)}"`);
  }
  const columns = { user: found.user, movie: found.movie, rating: found.rating, timestamp: found.timestamp ?? -1 };
  const parser = new RatingRowParser(file, separator, columns, chunkRows);
  parser.line = 1;
  return parser;
}

// A column's role; 0 (a new Uint8Array's value) is a column nobody reads.
const ROLE_USER = 1;
const ROLE_MOVIE = 2;
const ROLE_RATING = 3;
const ROLE_TIMESTAMP = 4;
const MAX_ID = 0x7fffffff;

class RatingRowParser {
  /** Lines consumed so far, header included: the number of the line being parsed after ++. */
  line = 0;
  length = 0;
  readonly #file: string;
  readonly #sep0: number;
  readonly #sep1: number;
  readonly #sepLength: number;
  readonly #roles: Uint8Array;
  readonly #fieldsNeeded: number;
  readonly #capacity: number;
  #users!: Int32Array;
  #movies!: Int32Array;
  #values!: Float32Array;
  #timestamps!: Float64Array;

  constructor(file: string, separator: string, columns: RatingColumns, capacity: number) {
    if (separator.length < 1 || separator.length > 2)
      throw new Error(`unsupported separator ${JSON.stringify(separator)}`);
    this.#file = file;
    this.#sep0 = separator.charCodeAt(0);
    this.#sep1 = separator.length === 2 ? separator.charCodeAt(1) : -1;
    this.#sepLength = separator.length;
    this.#fieldsNeeded = Math.max(columns.user, columns.movie, columns.rating, columns.timestamp) + 1;
    this.#roles = new Uint8Array(this.#fieldsNeeded);
    this.#roles[columns.user] = ROLE_USER;
    this.#roles[columns.movie] = ROLE_MOVIE;
    this.#roles[columns.rating] = ROLE_RATING;
    if (columns.timestamp >= 0) this.#roles[columns.timestamp] = ROLE_TIMESTAMP;
    this.#capacity = capacity;
    this.#allocate();
  }

  get full(): boolean {
    return this.length === this.#capacity;
  }

  /** Parses lines in [pos, end) until the range or the chunk runs out; returns the next position. */
  parse(buf: Buffer, pos: number, end: number): number {
    while (pos < end && this.length < this.#capacity) {
      let newline = buf.indexOf(10, pos);
      if (newline < 0 || newline > end) newline = end;
      let lineEnd = newline;
      if (lineEnd > pos && buf[lineEnd - 1] === 13) lineEnd--;
      this.line++;
      if (lineEnd > pos) this.#parseLine(buf, pos, lineEnd);
      pos = newline + 1;
    }
    return pos;
  }

  take(): Ratings {
    const n = this.length;
    const full = n === this.#capacity;
    const chunk: Ratings = {
      length: n,
      userIds: full ? this.#users : this.#users.slice(0, n),
      movieIds: full ? this.#movies : this.#movies.slice(0, n),
      values: full ? this.#values : this.#values.slice(0, n),
      timestamps: full ? this.#timestamps : this.#timestamps.slice(0, n),
    };
    this.#allocate();
    return chunk;
  }

  #allocate(): void {
    this.length = 0;
    this.#users = new Int32Array(this.#capacity);
    this.#movies = new Int32Array(this.#capacity);
    this.#values = new Float32Array(this.#capacity);
    this.#timestamps = new Float64Array(this.#capacity);
  }

  #parseLine(buf: Buffer, start: number, end: number): void {
    let user = NaN;
    let movie = NaN;
    let rating = NaN;
    let timestamp = 0;
    let field = 0;
    let fieldStart = start;
    const roles = this.#roles;
    const needed = this.#fieldsNeeded;
    while (field < needed) {
      let fieldEnd = fieldStart;
      while (fieldEnd < end && !this.#isSeparator(buf, fieldEnd)) fieldEnd++;
      const role = roles[field];
      if (role === ROLE_USER) user = parseNumber(buf, fieldStart, fieldEnd);
      else if (role === ROLE_MOVIE) movie = parseNumber(buf, fieldStart, fieldEnd);
      else if (role === ROLE_RATING) rating = parseNumber(buf, fieldStart, fieldEnd);
      else if (role === ROLE_TIMESTAMP && !isBlank(buf, fieldStart, fieldEnd))
        timestamp = parseNumber(buf, fieldStart, fieldEnd);
      field++;
      if (fieldEnd >= end) break;
      fieldStart = fieldEnd + this.#sepLength;
    }
    if (field < needed) this.#fail(buf, start, end, `expected at least ${needed} fields, found ${field}`);
    if (!isId(user)) this.#fail(buf, start, end, 'userId is not a non-negative integer');
    if (!isId(movie)) this.#fail(buf, start, end, 'movieId is not a non-negative integer');
    if (!Number.isFinite(rating)) this.#fail(buf, start, end, 'rating is not a number');
    if (!Number.isFinite(timestamp)) this.#fail(buf, start, end, 'timestamp is not a number');
    const n = this.length++;
    this.#users[n] = user;
    this.#movies[n] = movie;
    this.#values[n] = rating;
    this.#timestamps[n] = timestamp;
  }

  #isSeparator(buf: Buffer, i: number): boolean {
    return buf[i] === this.#sep0 && (this.#sepLength === 1 || buf[i + 1] === this.#sep1);
  }

  #fail(buf: Buffer, start: number, end: number, reason: string): never {
    throw new DataFormatError(this.#file, this.line, `${reason}: "${clip(buf.toString('utf8', start, end))}"`);
  }
}

function isId(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= MAX_ID;
}

function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== 32) return false;
  return true;
}

/**
 * Decimal number from ASCII bytes; NaN when it is not one. The fast path covers what MovieLens
 * writes (`123`, `3.5`); anything else (exponents, a plus sign) goes through Number().
 */
export function parseNumber(buf: Uint8Array, start: number, end: number): number {
  while (start < end && (buf[start] === 32 || buf[start] === 34)) start++;
  while (end > start && (buf[end - 1] === 32 || buf[end - 1] === 34)) end--;
  if (start === end) return NaN;
  let i = start;
  const negative = buf[i] === 45;
  if (negative) i++;
  let value = 0;
  let digits = 0;
  while (i < end) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) break;
    value = value * 10 + d;
    digits++;
    i++;
  }
  if (i < end && buf[i] === 46) {
    i++;
    let fraction = 0;
    let scale = 1;
    while (i < end) {
      const d = buf[i]! - 48;
      if (d < 0 || d > 9) break;
      fraction = fraction * 10 + d;
      scale *= 10;
      digits++;
      i++;
    }
    value += fraction / scale;
  }
  if (i === end && digits > 0 && digits <= 15) return negative ? -value : value;
  const text = Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1');
  return DECIMAL.test(text) ? Number(text) : NaN;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function clip(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
