import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Ratings } from '../model/ratings.ts';
import { readRatings, readRatingsCsv } from './dataset.ts';
import { DataFormatError } from './data-format-error.ts';
import { concatRatings } from './ratings-chunks.ts';
import {
  CSV_RATINGS,
  DAT_RATINGS,
  parseNumber,
  parseRatings,
  TAB_RATINGS,
  type RatingsLayout,
} from './ratings-parser.ts';
import { tempDir, type TempDir } from './test-files.ts';

async function parse(text: string, layout: RatingsLayout, pieceSize = 1 << 20, chunkRows?: number): Promise<Ratings[]> {
  async function* pieces(): AsyncGenerator<Buffer> {
    const bytes = Buffer.from(text);
    for (let i = 0; i < bytes.length; i += pieceSize) yield bytes.subarray(i, i + pieceSize);
  }
  const chunks: Ratings[] = [];
  for await (const chunk of parseRatings(pieces(), layout, 'ratings.csv', chunkRows)) chunks.push(chunk);
  return chunks;
}

const rows = (r: Ratings) =>
  Array.from({ length: r.length }, (_, i) => [r.userIds[i], r.movieIds[i], r.values[i], r.timestamps[i]]);

describe('parseRatings', () => {
  const csv =
    'userId,movieId,rating,timestamp\r\n1,31,2.5,1260759144\r\n1,1029,3.0,1260759179\r\n7,5,0.5,964982703\r\n';

  it('reads CSV with CRLF, whatever the input split and chunk size', async () => {
    const expected = [
      [1, 31, 2.5, 1260759144],
      [1, 1029, 3, 1260759179],
      [7, 5, 0.5, 964982703],
    ];
    for (const pieceSize of [1, 2, 3, 7, 1000]) {
      for (const chunkRows of [1, 2, 100]) {
        const chunks = await parse(csv, CSV_RATINGS, pieceSize, chunkRows);
        expect(chunks.every((c) => c.length <= chunkRows)).toBe(true);
        expect(rows(concatRatings(chunks))).toEqual(expected);
      }
    }
  });

  it('reads LF, a missing final newline, blank lines, a BOM, and any column order', async () => {
    const text = '\uFEFFrating,timestamp,movieId,userId\n4,100,2,1\n\n3.5,200,3,1';
    expect(rows(concatRatings(await parse(text, CSV_RATINGS)))).toEqual([
      [1, 2, 4, 100],
      [1, 3, 3.5, 200],
    ]);
  });

  it('accepts a header without timestamp (timestamps 0) and quoted numbers', async () => {
    const text = '"userId","movieId","rating"\n"5","6","4.5"\n';
    expect(rows(concatRatings(await parse(text, CSV_RATINGS)))).toEqual([[5, 6, 4.5, 0]]);
  });

  it('reads tab-separated u.data and ::-separated ratings.dat', async () => {
    expect(
      rows(concatRatings(await parse('196\t242\t3\t881250949\n186\t302\t3\t891717742\n', TAB_RATINGS, 5))),
    ).toEqual([
      [196, 242, 3, 881250949],
      [186, 302, 3, 891717742],
    ]);
    expect(
      rows(concatRatings(await parse('1::1193::5::978300760\r\n1::661::3::978302109\r\n', DAT_RATINGS, 3))),
    ).toEqual([
      [1, 1193, 5, 978300760],
      [1, 661, 3, 978302109],
    ]);
  });

  it('names the file and line of a malformed row', async () => {
    const cases: Array<[string, RegExp]> = [
      [
        'userId,movieId,rating,timestamp\n1,2,3,4\n1,x,3,4\n',
        /^ratings\.csv:3: movieId is not a non-negative integer: "1,x,3,4"$/,
      ],
      [
        'userId,movieId,rating,timestamp\n1,2,3,4\n\n1,2\n',
        /^ratings\.csv:4: expected at least 4 fields, found 2: "1,2"$/,
      ],
      ['userId,movieId,rating\n-1,2,3\n', /^ratings\.csv:2: userId is not/],
      ['userId,movieId,rating\n1,2,abc\n', /^ratings\.csv:2: rating is not a number/],
      ['userId,movieId,rating\n1,2,\n', /^ratings\.csv:2: rating is not a number/],
      ['userId,movieId,rating,timestamp\n1,2,3,0x10\n', /^ratings\.csv:2: timestamp is not a number/],
      ['userId,movieId,rating\n1.5,2,3\n', /^ratings\.csv:2: userId is not/],
      [
        'user,item,score\n1,2,3\n',
        /^ratings\.csv:1: header must name userId, movieId and rating columns; found "user,item,score"$/,
      ],
      ['', /^ratings\.csv:1: empty file/],
    ];
    for (const [text, message] of cases) {
      const error = await parse(text, CSV_RATINGS, 2).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataFormatError);
      expect((error as Error).message).toMatch(message);
    }
  });

  it('counts lines across input pieces when reporting an error', async () => {
    const good = Array.from({ length: 500 }, (_, i) => `${i}\t${i}\t3\t0`).join('\n');
    const error = (await parse(`${good}\n1\t2\n`, TAB_RATINGS, 7).catch((e: unknown) => e)) as DataFormatError;
    expect(error.line).toBe(501);
  });
});

describe('parseNumber', () => {
  const n = (text: string) => parseNumber(Buffer.from(text), 0, text.length);
  it('parses what MovieLens writes and rejects what is not a number', () => {
    expect([n('0'), n('5'), n('3.5'), n('4.0'), n('1260759144'), n('-2'), n('1e3'), n('.5'), n(' 7 ')]).toEqual([
      0, 5, 3.5, 4, 1260759144, -2, 1000, 0.5, 7,
    ]);
    for (const bad of ['', ' ', 'x', '1.2.3', '0x10', '3,5', '--1', 'Infinity']) expect(n(bad)).toBeNaN();
  });
});

describe('readRatings and readRatingsCsv on files', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(() => dir.remove());

  it('reads plain and gzipped files alike, choosing the layout by name', async () => {
    const csv = 'userId,movieId,rating\n1,2,3.5\n';
    for (const name of ['train.csv', 'train.csv.gz']) {
      const file = await dir.write(name, csv);
      expect(rows(await readRatingsCsv(file))).toEqual([[1, 2, 3.5, 0]]);
    }
    expect(rows(await readRatings(await dir.write('u.data.gz', '3\t4\t5\t6\n')))).toEqual([[3, 4, 5, 6]]);
    expect(rows(await readRatings(await dir.write('ratings.dat', '3::4::5::6\n')))).toEqual([[3, 4, 5, 6]]);
  });

  it('reports progress as rows accumulate', async () => {
    const text = `userId,movieId,rating\n${Array.from({ length: 70_000 }, (_, i) => `${i},1,4`).join('\n')}`;
    const seen: number[] = [];
    const ratings = await readRatingsCsv(await dir.write('big.csv', text), { onProgress: (n) => seen.push(n) });
    expect(ratings.length).toBe(70_000);
    expect(seen).toEqual([65_536, 70_000]);
  });

  it('names a missing file', async () => {
    await expect(readRatingsCsv(`${dir.path}/absent.csv`)).rejects.toThrow(/absent\.csv/);
  });
});
