import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ratings } from '../model/ratings.ts';
import { movielens, randomSplit } from '../model/test-data.ts';

const run = promisify(execFile);
const bin = join(import.meta.dirname, '..', 'bin', 'movie-reco.js');
let dir: string;
let test: Ratings;

function csv(ratings: Ratings): string {
  const lines = ['movieId,userId,rating'];
  for (let k = 0; k < ratings.length; k++)
    lines.push(`${ratings.movieIds[k]},${ratings.userIds[k]},${ratings.values[k]}`);
  return `${lines.join('\r\n')}\r\n`;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'movie-reco-evaluate-'));
  const split = randomSplit(await movielens('ml-100k'), 0.2, 7);
  test = split.test;
  await writeFile(join(dir, 'train.csv.gz'), gzipSync(csv(split.train)));
  await writeFile(join(dir, 'test.csv'), csv(split.test));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('movie-reco evaluate', () => {
  it('prints the contract JSON on stdout, predicting every test row', async () => {
    const { stdout, stderr } = await run(
      process.execPath,
      [bin, 'evaluate', '--train', join(dir, 'train.csv.gz'), '--test', join(dir, 'test.csv'), '--seed', '3', '--json'],
      {
        maxBuffer: 1 << 24,
      },
    );
    const result = JSON.parse(stdout) as Record<string, number>;
    for (const key of [
      'rmse',
      'mae',
      'precisionAt10',
      'recallAt10',
      'ndcgAt10',
      'fitSeconds',
      'predictSeconds',
      'trainRatings',
      'testRatings',
      'popularityPrecisionAt10',
      'popularityRecallAt10',
      'popularityNdcgAt10',
    ]) {
      expect(typeof result[key], key).toBe('number');
    }
    expect(result.testRatings).toBe(test.length);
    expect(result.trainRatings).toBe(100_000 - test.length);
    expect(result.rmse).toBeLessThan(0.92);
    expect(result.precisionAt10).toBeGreaterThan(result.popularityPrecisionAt10!);
    // progress goes to stderr as JSON lines, one per epoch at least
    const epochs = stderr.split('\n').filter((line) => line.includes('"msg":"epoch"'));
    expect(epochs.length).toBeGreaterThan(5);
    expect(() => JSON.parse(epochs[0]!)).not.toThrow();
  });

  it('refuses bad flags with a message naming the flag and exit code 2', async () => {
    const failure = await run(process.execPath, [
      bin,
      'evaluate',
      '--train',
      join(dir, 'test.csv'),
      '--test',
      join(dir, 'test.csv'),
      '--factors',
      'ten',
    ]).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toMatch(/--factors must be an integer/);
  });

  it('names the file and line of a malformed row', async () => {
    await writeFile(join(dir, 'bad.csv'), 'userId,movieId,rating\n1,2,4\n1,x,3\n');
    const failure = await run(process.execPath, [
      bin,
      'evaluate',
      '--train',
      join(dir, 'bad.csv'),
      '--test',
      join(dir, 'test.csv'),
    ]).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(/bad\.csv:3/);
  });
});
