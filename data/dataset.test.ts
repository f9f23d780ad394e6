import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Ratings } from '../model/ratings.ts';
import { openDataset, readRatings } from './dataset.ts';
import { readFileChunks } from './file-input.ts';
import type { Movie } from './movies.ts';
import { movielensDir, tempDir, type TempDir } from './test-files.ts';

// Expected values are the counts and checksums measured in the shared datasets' README.

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of readFileChunks(file)) hash.update(chunk);
  return hash.digest('hex');
}

function summarize(r: Ratings) {
  const histogram: Record<string, number> = {};
  const users = new Set<number>();
  const movies = new Set<number>();
  const pairs = new Set<number>();
  let minTime = Infinity;
  let maxTime = -Infinity;
  for (let i = 0; i < r.length; i++) {
    histogram[r.values[i]!.toFixed(1)] = (histogram[r.values[i]!.toFixed(1)] ?? 0) + 1;
    users.add(r.userIds[i]!);
    movies.add(r.movieIds[i]!);
    pairs.add(r.userIds[i]! * 1_000_000 + r.movieIds[i]!);
    minTime = Math.min(minTime, r.timestamps[i]!);
    maxTime = Math.max(maxTime, r.timestamps[i]!);
  }
  const day = (t: number) => new Date(t * 1000).toISOString().slice(0, 10);
  return {
    rows: r.length,
    users: users.size,
    movies: movies.size,
    pairs: pairs.size,
    histogram,
    first: day(minTime),
    last: day(maxTime),
  };
}

async function allMovies(source: { movies(): AsyncIterable<Movie> }): Promise<Movie[]> {
  const movies: Movie[] = [];
  for await (const movie of source.movies()) movies.push(movie);
  return movies;
}

describe('ml-latest-small (shared copy)', () => {
  const dir = join(movielensDir(), 'ml-latest-small');

  it('is recognized as the CSV layout and its ratings match the README', async () => {
    const source = await openDataset(dir);
    expect(source.format).toBe('csv');
    expect(await sha256(source.ratingsFile)).toBe('aa289ca83157595d0df6aea1be6a4ded676ddc4385472e8313a8ed9805352646');
    const ratings = await readRatings(dir);
    expect(summarize(ratings)).toEqual({
      rows: 100_836,
      users: 610,
      movies: 9_724,
      pairs: 100_836,
      histogram: {
        '0.5': 1_370,
        '1.0': 2_811,
        '1.5': 1_791,
        '2.0': 7_551,
        '2.5': 5_550,
        '3.0': 20_047,
        '3.5': 13_136,
        '4.0': 26_818,
        '4.5': 8_551,
        '5.0': 13_211,
      },
      first: '1996-03-29',
      last: '2018-09-24',
    });
    expect([ratings.userIds[0], ratings.movieIds[0], ratings.values[0], ratings.timestamps[0]]).toEqual([
      1, 1, 4, 964982703,
    ]);
  });

  it('reads every movie, quoted titles included, with 20 distinct genres', async () => {
    const source = await openDataset(dir);
    expect(await sha256(source.moviesFile!)).toBe('5a5f32dd9bb3797b8e728a1b98958789d2b13f294a69fdfbc5727f8a9611aa07');
    const movies = await allMovies(source);
    expect(movies.length).toBe(9_742);
    expect(new Set(movies.map((m) => m.movieId)).size).toBe(9_742);
    expect(new Set(movies.flatMap((m) => m.genres)).size).toBe(20);
    expect(movies[0]).toEqual({
      movieId: 1,
      title: 'Toy Story (1995)',
      genres: ['Adventure', 'Animation', 'Children', 'Comedy', 'Fantasy'],
    });
    expect(movies.find((m) => m.movieId === 11)?.title).toBe('American President, The (1995)');
    expect(movies.some((m) => m.title.includes('"'))).toBe(true);
    expect(movies.every((m) => !m.title.includes('\r') && m.genres.length > 0)).toBe(true);
    const rated = await readRatings(dir);
    const listed = new Set(movies.map((m) => m.movieId));
    expect(rated.movieIds.every((id) => listed.has(id))).toBe(true);
  });
});

describe('ml-100k (shared copy)', () => {
  const dir = join(movielensDir(), 'ml-100k');

  it('is recognized as the ml-100k layout and its ratings match the README', async () => {
    const source = await openDataset(dir);
    expect(source.format).toBe('ml-100k');
    expect(await sha256(source.ratingsFile)).toBe('06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490');
    expect(summarize(await readRatings(dir))).toEqual({
      rows: 100_000,
      users: 943,
      movies: 1_682,
      pairs: 100_000,
      histogram: { '1.0': 6_110, '2.0': 11_370, '3.0': 27_145, '4.0': 34_174, '5.0': 21_201 },
      first: '1997-09-20',
      last: '1998-04-22',
    });
  });

  it('reads u.item as Latin-1 with genres from the 19 flags', async () => {
    const source = await openDataset(dir);
    expect(await sha256(source.moviesFile!)).toBe('553841ebc7de3a0fd0d6b62a204ea30c1e651aacfb2814c7a6584ac52f2c5701');
    const movies = await allMovies(source);
    expect(movies.length).toBe(1_682);
    expect(new Set(movies.flatMap((m) => m.genres)).size).toBe(19);
    expect(movies[0]).toEqual({ movieId: 1, title: 'Toy Story (1995)', genres: ['Animation', "Children's", 'Comedy'] });
    // Latin-1 accents decoded, not replaced by U+FFFD.
    expect(movies.some((m) => /[éèáóü]/.test(m.title))).toBe(true);
    expect(movies.some((m) => m.title.includes('\uFFFD'))).toBe(false);
  });
});

describe('formats without a shared copy (generated files)', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(() => dir.remove());

  it('reads an ml-1m style folder: ::-separated .dat, Latin-1 movie titles', async () => {
    await dir.write('ratings.dat', '1::10::5::978300760\n2::20::3::978302109\n');
    await dir.write(
      'movies.dat',
      Buffer.from('10::Amélie (2001)::Comedy|Romance\n20::Heat (1995)::Action|Crime|Thriller\n', 'latin1'),
    );
    const source = await openDataset(dir.path);
    expect(source.format).toBe('dat');
    expect(await allMovies(source)).toEqual([
      { movieId: 10, title: 'Amélie (2001)', genres: ['Comedy', 'Romance'] },
      { movieId: 20, title: 'Heat (1995)', genres: ['Action', 'Crime', 'Thriller'] },
    ]);
    expect(Array.from((await readRatings(dir.path)).values)).toEqual([5, 3]);
  });

  it('reads an ml-10m style folder: gzipped, UTF-8 titles, half stars, a title with ::-free colons', async () => {
    await dir.write('ratings.dat.gz', '1::122::4.5::838985046\n');
    await dir.write('movies.dat.gz', '122::Boomerang: Café (1992)::Comedy\n');
    const source = await openDataset(dir.path);
    expect(await allMovies(source)).toEqual([{ movieId: 122, title: 'Boomerang: Café (1992)', genres: ['Comedy'] }]);
    expect(Array.from((await readRatings(dir.path)).values)).toEqual([4.5]);
  });

  it('reads an ml-25m style CSV folder with LF endings and a multi-line quoted title', async () => {
    await dir.write('ratings.csv', 'userId,movieId,rating,timestamp\n1,296,5.0,1147880044\n');
    await dir.write(
      'movies.csv',
      'movieId,title,genres\n296,"Pulp ""Fiction""\nRedux, The (1994)",Comedy|Crime\n' +
        '5,Plain (2000),(no genres listed)\n',
    );
    expect(await allMovies(await openDataset(dir.path))).toEqual([
      { movieId: 296, title: 'Pulp "Fiction"\nRedux, The (1994)', genres: ['Comedy', 'Crime'] },
      { movieId: 5, title: 'Plain (2000)', genres: ['(no genres listed)'] },
    ]);
  });

  it('names the file and line of a malformed movie', async () => {
    await dir.write('ratings.dat', '1::10::5::978300760\n');
    await dir.write('movies.dat', '10::Fine (2001)::Comedy\nten::Broken::Drama\n');
    await expect(allMovies(await openDataset(dir.path))).rejects.toThrow(
      /movies\.dat:2: movieId "ten" is not a non-negative integer/,
    );
    await dir.write('u.data', '1\t2\t3\t4\n');
    await dir.write('movies.csv', 'movieId,title,genres\n1,"Unclosed,Drama\n');
    await dir.write('ratings.csv', 'userId,movieId,rating\n');
    await expect(allMovies(await openDataset(dir.path))).rejects.toThrow(/movies\.csv:2: unterminated quoted field/);
  });

  it('refuses a folder that is not a MovieLens dataset', async () => {
    await dir.write('notes.txt', 'hello');
    await expect(openDataset(dir.path)).rejects.toThrow(
      /not a MovieLens dataset folder \(expected ratings\.csv, u\.data or ratings\.dat/,
    );
  });
});
