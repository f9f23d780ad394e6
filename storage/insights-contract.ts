/**
 * What the insights queries must answer on both dialects, run by insights.test.ts (SQLite) and
 * insights.int.test.ts (MariaDB). Only imported by tests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from './database.ts';
import type { SuiteDatabase } from './test-databases.ts';
import { listEpochsOfRuns, listModels, ratingsOverview } from './insights.ts';
import { migrateToLatest } from './migrations.ts';
import { upsertMovies } from './movies-table.ts';
import { insertRating } from './ratings-table.ts';
import { recordEpoch, startRun } from './training-runs.ts';

const at = (iso: string) => Date.parse(iso) / 1000;

export function describeInsights(name: string, open: () => Promise<SuiteDatabase>): void {
  describe(`${name}: insights`, () => {
    let db: Database;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ db, cleanup } = await open());
      await migrateToLatest(db);
    });
    afterAll(() => cleanup());

    it('describes an empty ratings table without dividing by zero', async () => {
      expect(await ratingsOverview(db)).toEqual({
        ratings: 0,
        users: 0,
        movies: 0,
        catalogueMovies: 0,
        meanRating: null,
        sparsity: null,
        values: [],
        perUser: [],
        perMovie: [],
        perMonth: [],
        perBatch: [],
      });
    });

    it('counts values, long tails, months (UTC) and batches', async () => {
      await upsertMovies(
        db,
        [1, 2, 3, 4].map((movieId) => ({ movieId, title: `Movie ${movieId}`, genres: [] })),
      );
      await insertRating(db, { userId: 1, movieId: 1, rating: 4, ratedAt: at('2020-01-05T12:00:00Z'), batch: 1 });
      await insertRating(db, { userId: 1, movieId: 2, rating: 5, ratedAt: at('2020-01-06T12:00:00Z'), batch: 1 });
      await insertRating(db, { userId: 1, movieId: 3, rating: 3, ratedAt: at('2020-01-31T23:59:59Z'), batch: 1 });
      await insertRating(db, { userId: 2, movieId: 1, rating: 4, ratedAt: at('2020-02-01T00:00:00Z'), batch: 2 });
      await insertRating(db, { userId: 2, movieId: 2, rating: 4.5, ratedAt: at('2020-02-10T00:00:00Z'), batch: 2 });
      await insertRating(db, { userId: 3, movieId: 1, rating: 0.5, ratedAt: at('2021-03-01T08:00:00Z') });
      const overview = await ratingsOverview(db);
      expect(overview).toMatchObject({ ratings: 6, users: 3, movies: 3, catalogueMovies: 4 });
      expect(overview.meanRating).toBeCloseTo(3.5, 12);
      expect(overview.sparsity).toBeCloseTo(1 / 3, 12);
      expect(overview.values).toEqual([
        { rating: 0.5, count: 1 },
        { rating: 3, count: 1 },
        { rating: 4, count: 2 },
        { rating: 4.5, count: 1 },
        { rating: 5, count: 1 },
      ]);
      const tail = [
        { ratings: 1, entities: 1 },
        { ratings: 2, entities: 1 },
        { ratings: 3, entities: 1 },
      ];
      expect(overview.perUser).toEqual(tail);
      expect(overview.perMovie).toEqual(tail);
      expect(overview.perMonth).toEqual([
        { month: '2020-01', count: 3 },
        { month: '2020-02', count: 2 },
        { month: '2021-03', count: 1 },
      ]);
      expect(overview.perBatch).toEqual([
        { batch: 1, ratings: 3, firstRatedAt: at('2020-01-05T12:00:00Z'), lastRatedAt: at('2020-01-31T23:59:59Z') },
        { batch: 2, ratings: 2, firstRatedAt: at('2020-02-01T00:00:00Z'), lastRatedAt: at('2020-02-10T00:00:00Z') },
        { batch: null, ratings: 1, firstRatedAt: at('2021-03-01T08:00:00Z'), lastRatedAt: at('2021-03-01T08:00:00Z') },
      ]);
    });

    it('counts a long tail of many entities per count', async () => {
      // Ten more users with one rating each of movie 4: the one-rating bucket grows to 11 users.
      for (let user = 10; user < 20; user++)
        await insertRating(db, { userId: user, movieId: 4, rating: 3, ratedAt: at('2021-03-02T00:00:00Z') });
      const overview = await ratingsOverview(db);
      expect(overview.perUser).toEqual([
        { ratings: 1, entities: 11 },
        { ratings: 2, entities: 1 },
        { ratings: 3, entities: 1 },
      ]);
      expect(overview.perMovie).toEqual([
        { ratings: 1, entities: 1 },
        { ratings: 2, entities: 1 },
        { ratings: 3, entities: 1 },
        { ratings: 10, entities: 1 },
      ]);
      expect(overview.perBatch.at(-1)).toMatchObject({ batch: null, ratings: 11 });
    });

    it('lists models by latest run and the epochs of several runs in the order asked', async () => {
      await startRun(db, {
        runId: 'ns/a',
        model: 'movielens',
        params: {},
        startedAt: new Date('2025-01-01T00:00:00Z'),
      });
      await startRun(db, {
        runId: 'ns/b',
        model: 'movielens',
        params: {},
        startedAt: new Date('2025-01-03T00:00:00Z'),
      });
      await startRun(db, { runId: 'ns/c', model: 'other', params: {}, startedAt: new Date('2025-01-02T00:00:00Z') });
      for (const [runId, epoch, loss] of [
        ['ns/a', 2, 0.8],
        ['ns/a', 1, 0.9],
        ['ns/b', 1, 0.7],
      ] as const) {
        await recordEpoch(db, runId, {
          epoch,
          trainLoss: loss,
          validationRmse: epoch === 1 ? null : 0.85,
          seconds: 0.25,
        });
      }
      const models = await listModels(db);
      expect(models.map((m) => [m.model, m.runs, m.latestStartedAt.toISOString()])).toEqual([
        ['movielens', 2, '2025-01-03T00:00:00.000Z'],
        ['other', 1, '2025-01-02T00:00:00.000Z'],
      ]);
      expect(await listEpochsOfRuns(db, ['ns/b', 'absent', 'ns/a'])).toEqual([
        { runId: 'ns/b', epochs: [{ epoch: 1, trainLoss: 0.7, validationRmse: null, seconds: 0.25 }] },
        { runId: 'absent', epochs: [] },
        {
          runId: 'ns/a',
          epochs: [
            { epoch: 1, trainLoss: 0.9, validationRmse: null, seconds: 0.25 },
            { epoch: 2, trainLoss: 0.8, validationRmse: 0.85, seconds: 0.25 },
          ],
        },
      ]);
      expect(await listEpochsOfRuns(db, [])).toEqual([]);
    });
  });
}
