/**
 * The behaviour both dialects must share, run by sqlite-database.test.ts (embedded) and
 * mysql-database.int.test.ts (MariaDB). Only imported by tests.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataset, readRatings } from '../data/dataset.ts';
import { movielensDir } from '../data/test-files.ts';
import { selectRatings, type Ratings } from '../model/ratings.ts';
import { loadDataset, loadRatings } from './bulk-load.ts';
import type { Database } from './database.ts';
import type { SuiteDatabase } from './test-databases.ts';
import { listGateDecisions, recordGateDecision } from './gate-decisions.ts';
import { migrateDown, migrateToLatest, migrateUp, migrationStatus } from './migrations.ts';
import { countMovies, getMovies, searchMovies, upsertMovies } from './movies-table.ts';
import { listPromotions, recordPromotion } from './promotions.ts';
import { readRatingsSnapshot } from './ratings-snapshot.ts';
import { countRatings, countRatingsSince, insertRating, ratingsHighWaterMark } from './ratings-table.ts';
import { finishRun, getRun, listEpochs, listRuns, recordEpoch, recordRunDataset, startRun } from './training-runs.ts';

const TABLES = ['movies', 'ratings', 'training_runs', 'epoch_metrics', 'promotions', 'gate_decisions', 'search_trials'];
const MIGRATIONS = [
  '001-initial-schema',
  '002-gate-decisions',
  '003-records-once',
  '004-run-ranking-model',
  '005-search-trials',
  '006-search-objective',
];

/** Rows as sorted "user movie rating time" lines: equal tables whatever their row order. */
function canonical(r: Ratings): string[] {
  return Array.from(
    { length: r.length },
    (_, i) => `${r.userIds[i]} ${r.movieIds[i]} ${r.values[i]} ${r.timestamps[i]}`,
  ).sort();
}

export function describeDatabase(name: string, open: () => Promise<SuiteDatabase>): void {
  describe(`${name}: migrations`, () => {
    let db: Database;
    let cleanup: () => Promise<void>;
    beforeAll(async () => ({ db, cleanup } = await open()));
    afterAll(() => cleanup());

    it('go up, down and up again', async () => {
      expect(await migrateToLatest(db)).toEqual(MIGRATIONS);
      for (const table of TABLES) expect(await db.knex.schema.hasTable(table)).toBe(true);
      expect(await migrateToLatest(db)).toEqual([]);
      expect(await migrationStatus(db)).toEqual({ applied: MIGRATIONS, pending: [] });
      expect(await migrateDown(db, { all: true })).toEqual([...MIGRATIONS].reverse());
      for (const table of TABLES) expect(await db.knex.schema.hasTable(table)).toBe(false);
      expect(await migrationStatus(db)).toEqual({ applied: [], pending: MIGRATIONS });
      expect(await migrateToLatest(db)).toEqual(MIGRATIONS);
    });

    it('002 turns the promotions already recorded into gate decisions, and 002 alone goes down', async () => {
      await migrateDown(db, { all: true });
      expect(await migrateUp(db)).toEqual(['001-initial-schema']);
      await startRun(db, { runId: 'ns/a', model: 'svd', params: {} });
      await startRun(db, { runId: 'ns/b', model: 'svd', params: {} });
      await recordPromotion(db, {
        model: 'svd',
        runId: 'ns/a',
        reason: 'first champion: best rmse 0.9 among 1 passing run(s)',
        metric: 'rmse',
        metricValue: 0.9,
        promotedAt: new Date('2025-01-01Z'),
      });
      await recordPromotion(db, {
        model: 'svd',
        runId: 'ns/b',
        previousRunId: 'ns/a',
        reason: 'pinned by spec.promotion.pinnedRun',
        metric: 'rmse',
        metricValue: 0.95,
        previousMetricValue: 0.9,
        promotedAt: new Date('2025-01-02Z'),
      });
      expect(await migrateUp(db)).toEqual(['002-gate-decisions']);
      const decisions = await listGateDecisions(db, 'svd');
      expect(decisions.map(({ id: _, ...d }) => ({ ...d, decidedAt: d.decidedAt.toISOString() }))).toEqual([
        {
          model: 'svd',
          runId: 'ns/b',
          outcome: 'Pinned',
          reason: 'pinned by spec.promotion.pinnedRun',
          metric: 'rmse',
          metricValue: 0.95,
          championRunId: 'ns/a',
          championMetricValue: 0.9,
          decidedAt: '2025-01-02T00:00:00.000Z',
        },
        {
          model: 'svd',
          runId: 'ns/a',
          outcome: 'Promoted',
          reason: 'first champion: best rmse 0.9 among 1 passing run(s)',
          metric: 'rmse',
          metricValue: 0.9,
          championRunId: null,
          championMetricValue: null,
          decidedAt: '2025-01-01T00:00:00.000Z',
        },
      ]);
      expect(await migrateDown(db)).toEqual(['002-gate-decisions']);
      expect(await db.knex.schema.hasTable('gate_decisions')).toBe(false);
      expect(await listPromotions(db, 'svd')).toHaveLength(2);
      expect(await migrateToLatest(db)).toEqual(MIGRATIONS.slice(1));
    });

    it('003 keeps the first of a promotion or judgement recorded twice, refuses repeats, goes down alone', async () => {
      await migrateDown(db, { all: true });
      await migrateUp(db);
      await migrateUp(db);
      await startRun(db, { runId: 'ns/a', model: 'svd', params: {} });
      const promotion = {
        model: 'svd',
        run_id: 'ns/a',
        reason: 'first champion',
        metric: 'rmse',
        promoted_at: new Date('2025-01-01Z'),
      };
      const judgement = {
        model: 'svd',
        run_id: 'ns/a',
        outcome: 'Promoted',
        reason: 'first champion',
        metric: 'rmse',
        decided_at: new Date('2025-01-01Z'),
      };
      await db
        .knex('promotions')
        .insert([
          promotion,
          { ...promotion, reason: 'the copy' },
          { ...promotion, promoted_at: new Date('2025-01-02Z') },
        ]);
      await db
        .knex('gate_decisions')
        .insert([judgement, { ...judgement, reason: 'the copy' }, { ...judgement, outcome: 'Pinned' }]);
      expect(await migrateUp(db)).toEqual(['003-records-once']);
      expect((await listPromotions(db, 'svd')).map((p) => [p.reason, p.promotedAt.toISOString()])).toEqual([
        ['first champion', '2025-01-02T00:00:00.000Z'],
        ['first champion', '2025-01-01T00:00:00.000Z'],
      ]);
      expect((await listGateDecisions(db, 'svd')).map((d) => [d.outcome, d.reason]).sort()).toEqual([
        ['Pinned', 'first champion'],
        ['Promoted', 'first champion'],
      ]);
      await expect(db.knex('promotions').insert(promotion)).rejects.toThrow(/unique|duplicate/i);
      await expect(db.knex('gate_decisions').insert(judgement)).rejects.toThrow(/unique|duplicate/i);
      expect(await migrateDown(db)).toEqual(['003-records-once']);
      await db.knex('promotions').insert(promotion);
      expect(await listPromotions(db, 'svd')).toHaveLength(3);
      await migrateDown(db, { all: true });
      expect(await migrateToLatest(db)).toEqual(MIGRATIONS);
    });
  });

  describe(`${name}: ratings and movies`, () => {
    const datasetDir = join(movielensDir(), 'ml-latest-small');
    let db: Database;
    let cleanup: () => Promise<void>;
    let original: Ratings;
    let summary: Awaited<ReturnType<typeof loadDataset>>;

    beforeAll(async () => {
      ({ db, cleanup } = await open());
      await migrateToLatest(db);
      original = await readRatings(datasetDir);
      const progress: number[] = [];
      summary = await loadDataset(db, await openDataset(datasetDir), {
        batches: 5,
        onProgress: (n) => progress.push(n),
      });
      expect(progress.at(-1)).toBe(100_836);
    });
    afterAll(() => cleanup());

    it('bulk-loads ml-latest-small in 5 time-ordered batches and reads it back exactly', async () => {
      expect(summary.movies).toBe(9_742);
      expect(summary.batches.map((b) => b.ratings)).toEqual([20_168, 20_167, 20_167, 20_167, 20_167]);
      for (let b = 1; b < 5; b++)
        expect(summary.batches[b]!.firstRatedAt).toBeGreaterThanOrEqual(summary.batches[b - 1]!.lastRatedAt);
      const snapshot = await readRatingsSnapshot(db);
      expect(snapshot.counts).toEqual({ ratings: 100_836, users: 610, movies: 9_724 });
      expect(snapshot.bound.maxRatingId).toBe(await ratingsHighWaterMark(db));
      expect(canonical(snapshot.ratings)).toEqual(canonical(original));
      // Ids follow time: the snapshot comes back in time order.
      const times = snapshot.ratings.timestamps;
      expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
    });

    it('bounds a snapshot by batch and by time, and counts agree with the database', async () => {
      const upTo2 = await readRatingsSnapshot(db, { upToBatch: 2 }, { pageRows: 7_000 });
      expect(upTo2.counts.ratings).toBe(40_335);
      expect(await countRatings(db, { upToBatch: 2 })).toEqual(upTo2.counts);
      const cutoff = summary.batches[2]!.firstRatedAt;
      const before = await readRatingsSnapshot(db, { ratedBefore: cutoff });
      expect(before.ratings.timestamps.every((t) => t < cutoff)).toBe(true);
      expect(before.counts.ratings).toBe(original.timestamps.filter((t) => t < cutoff).length);
      expect(await countRatings(db)).toEqual({ ratings: 100_836, users: 610, movies: 9_724 });
    });

    it('stores a new rating before returning, and a re-rating replaces the old one as new data', async () => {
      const mark = await ratingsHighWaterMark(db);
      const first = await insertRating(db, { userId: 99_999, movieId: 1, rating: 4.5, ratedAt: 1_700_000_000 });
      expect(first.id).toBeGreaterThan(mark);
      expect(await countRatingsSince(db, mark)).toBe(1);
      const again = await insertRating(db, { userId: 99_999, movieId: 1, rating: 2 });
      expect(again.id).toBeGreaterThan(first.id);
      expect(await countRatingsSince(db, mark)).toBe(1);
      const rerate = await insertRating(db, { userId: 1, movieId: 1, rating: 0.5, ratedAt: 1_700_000_001 });
      expect(await countRatingsSince(db, mark)).toBe(2);
      const rows = await db.knex('ratings').where({ user_id: 1, movie_id: 1 });
      expect(rows).toHaveLength(1);
      expect([Number(rows[0].id), Number(rows[0].rating), rows[0].batch]).toEqual([rerate.id, 0.5, null]);
      // The pinned old snapshot no longer holds the moved pair; a batch bound leaves live ratings out.
      expect((await readRatingsSnapshot(db, { maxRatingId: mark })).counts.ratings).toBe(100_835);
      expect((await countRatings(db)).ratings).toBe(100_837);
      expect((await countRatings(db, { upToBatch: 5 })).ratings).toBe(100_835);
    });

    it('loading ratings that are already there adds nothing', async () => {
      const before = await countRatings(db);
      const some = selectRatings(
        original,
        Array.from({ length: 3_000 }, (_, i) => i * 30),
      );
      await loadRatings(db, some, { batches: 2 });
      expect(await countRatings(db)).toEqual(before);
    });

    it('refuses values that are not ratings', async () => {
      await expect(insertRating(db, { userId: 1, movieId: 2, rating: Number.NaN })).rejects.toThrow(
        /rating must be a finite number/,
      );
      await expect(insertRating(db, { userId: -1, movieId: 2, rating: 3 })).rejects.toThrow(/userId must be/);
    });

    it('finds movies by id and by title, quotes and accents intact', async () => {
      expect(await countMovies(db)).toBe(9_742);
      const movies = await getMovies(db, [11, 1, 123_456_789]);
      expect(movies.map((m) => m.title)).toEqual(['American President, The (1995)', 'Toy Story (1995)']);
      expect(movies[1]!.genres).toEqual(['Adventure', 'Animation', 'Children', 'Comedy', 'Fantasy']);
      const amelie = await searchMovies(db, 'amélie');
      expect(amelie.map((m) => m.title)).toContain("Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)");
      // LIKE wildcards in the text are literal characters.
      expect(await searchMovies(db, 'toy_story')).toEqual([]);
      expect(await searchMovies(db, 't%y')).toEqual([]);
      expect((await searchMovies(db, 'toy story', 2)).map((m) => m.title)).toEqual([
        'Toy Story (1995)',
        'Toy Story 2 (1999)',
      ]);
      await upsertMovies(db, [{ movieId: 1, title: 'Toy Story (1995)', genres: ['Animation'] }]);
      expect((await getMovies(db, [1]))[0]!.genres).toEqual(['Animation']);
    });
  });

  describe(`${name}: training runs and promotions`, () => {
    let db: Database;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ db, cleanup } = await open());
      await migrateToLatest(db);
    });
    afterAll(() => cleanup());

    it('records a run from start to finish with its epochs', async () => {
      const started = await startRun(db, {
        runId: 'default/svd-1',
        model: 'svd',
        params: { factors: 64, lr: 0.01 },
        startedAt: new Date('2025-01-01T00:00:00.123Z'),
      });
      expect(started).toMatchObject({
        status: 'Running',
        attempts: 1,
        params: { factors: 64, lr: 0.01 },
        artifact: null,
        finishedAt: null,
      });
      expect(started.startedAt.toISOString()).toBe('2025-01-01T00:00:00.123Z');
      await recordRunDataset(
        db,
        'default/svd-1',
        { maxRatingId: 100, upToBatch: 3 },
        { ratings: 100, users: 10, movies: 20 },
      );
      await recordEpoch(db, 'default/svd-1', { epoch: 1, trainLoss: 0.9, validationRmse: null, seconds: 0.5 });
      await recordEpoch(db, 'default/svd-1', { epoch: 2, trainLoss: 0.8, validationRmse: 0.88, seconds: 0.4 });
      await recordEpoch(db, 'default/svd-1', { epoch: 2, trainLoss: 0.7, validationRmse: 0.87, seconds: 0.4 });
      expect(await listEpochs(db, 'default/svd-1')).toEqual([
        { epoch: 1, trainLoss: 0.9, validationRmse: null, seconds: 0.5 },
        { epoch: 2, trainLoss: 0.7, validationRmse: 0.87, seconds: 0.4 },
      ]);
      const metrics = {
        rmse: 0.86,
        mae: 0.66,
        precisionAt10: 0.1,
        recallAt10: 0.05,
        ndcgAt10: 0.12,
        coverage: 0.3,
        trainSeconds: 1.5,
      };
      const finished = await finishRun(db, 'default/svd-1', {
        status: 'Succeeded',
        metrics,
        artifact: {
          uri: 's3://models/svd/default-svd-1',
          digest: `sha256:${'a'.repeat(64)}`,
          sizeBytes: 5_000_000_000,
        },
        rankingModel: 'ease',
        finishedAt: new Date('2025-01-01T00:01:00Z'),
      });
      expect(finished).toMatchObject({
        status: 'Succeeded',
        snapshot: { maxRatingId: 100, upToBatch: 3 },
        dataset: { ratings: 100, users: 10, movies: 20 },
        metrics,
        artifact: { uri: 's3://models/svd/default-svd-1', sizeBytes: 5_000_000_000 },
        rankingModel: 'ease',
        message: null,
      });
      expect(finished.finishedAt?.toISOString()).toBe('2025-01-01T00:01:00.000Z');
      expect(await getRun(db, 'absent')).toBeNull();
      await expect(finishRun(db, 'absent', { status: 'Failed' })).rejects.toThrow(/no training run absent/);
    });

    it('restarting a run (a retried pod) resets it and counts the attempt', async () => {
      await startRun(db, { runId: 'default/svd-2', model: 'svd', params: {} });
      await recordEpoch(db, 'default/svd-2', { epoch: 1, trainLoss: 1, validationRmse: null, seconds: 1 });
      await finishRun(db, 'default/svd-2', { status: 'Failed', message: 'OOMKilled' });
      const again = await startRun(db, { runId: 'default/svd-2', model: 'svd', params: { factors: 8 } });
      expect(again).toMatchObject({
        status: 'Running',
        attempts: 2,
        message: null,
        rankingModel: null,
        params: { factors: 8 },
      });
      expect(await listEpochs(db, 'default/svd-2')).toEqual([]);
    });

    it('lists a model’s runs newest first, optionally by status', async () => {
      await startRun(db, { runId: 'other/run', model: 'other', params: {}, startedAt: new Date('2030-01-01Z') });
      await startRun(db, { runId: 'default/svd-3', model: 'svd', params: {}, startedAt: new Date('2029-01-01Z') });
      expect((await listRuns(db, 'svd')).map((r) => r.runId)).toEqual([
        'default/svd-3',
        'default/svd-2',
        'default/svd-1',
      ]);
      expect((await listRuns(db, 'svd', { status: 'Succeeded' })).map((r) => r.runId)).toEqual(['default/svd-1']);
      expect((await listRuns(db, 'svd', { limit: 1 })).map((r) => r.runId)).toEqual(['default/svd-3']);
    });

    it('records promotions, which must name known runs', async () => {
      await recordPromotion(db, {
        model: 'svd',
        runId: 'default/svd-1',
        reason: 'first champion',
        metric: 'rmse',
        metricValue: 0.86,
        promotedAt: new Date('2025-01-02Z'),
      });
      await recordPromotion(db, {
        model: 'svd',
        runId: 'default/svd-3',
        previousRunId: 'default/svd-1',
        reason: 'rmse 0.85 beats 0.86',
        metric: 'rmse',
        metricValue: 0.85,
        previousMetricValue: 0.86,
        promotedAt: new Date('2025-01-03Z'),
      });
      const history = await listPromotions(db, 'svd');
      expect(
        history.map((p) => [
          p.runId,
          p.previousRunId,
          p.metricValue,
          p.previousMetricValue,
          p.promotedAt.toISOString(),
        ]),
      ).toEqual([
        ['default/svd-3', 'default/svd-1', 0.85, 0.86, '2025-01-03T00:00:00.000Z'],
        ['default/svd-1', null, 0.86, null, '2025-01-02T00:00:00.000Z'],
      ]);
      await expect(recordPromotion(db, { model: 'svd', runId: 'nope', reason: 'x', metric: 'rmse' })).rejects.toThrow(
        /foreign key/i,
      );
    });

    it('records a promotion and its judgement once, however often they are recorded', async () => {
      const at = new Date('2025-01-04T05:06:07.089Z');
      const promotion = {
        model: 'svd',
        runId: 'default/svd-2',
        previousRunId: 'default/svd-3',
        reason: 'retry',
        metric: 'rmse',
        metricValue: 0.84,
        previousMetricValue: 0.85,
        promotedAt: at,
      };
      const first = await recordPromotion(db, promotion);
      const [again, concurrent] = await Promise.all([recordPromotion(db, promotion), recordPromotion(db, promotion)]);
      expect(again).toEqual(first);
      expect(concurrent).toEqual(first);
      expect(first).toMatchObject({ ...promotion, id: expect.any(Number) });
      expect((await listPromotions(db, 'svd')).filter((p) => p.runId === 'default/svd-2')).toEqual([first]);
      const judgement = {
        model: 'svd',
        runId: 'default/svd-2',
        outcome: 'Promoted' as const,
        reason: 'retry',
        metric: 'rmse',
        metricValue: 0.84,
        championRunId: 'default/svd-3',
        championMetricValue: 0.85,
        decidedAt: at,
      };
      const judged = await Promise.all([recordGateDecision(db, judgement), recordGateDecision(db, judgement)]);
      expect(judged[1]).toEqual(judged[0]);
      expect((await listGateDecisions(db, 'svd')).filter((d) => d.runId === 'default/svd-2')).toEqual([judged[0]]);
      await db.knex('promotions').where('run_id', 'default/svd-2').delete();
      await db.knex('gate_decisions').where('run_id', 'default/svd-2').delete();
    });

    it('takes a promotion recorded before 003, at its insert time, for the one the status tells', async () => {
      const status = new Date('2025-01-05T00:00:00.000Z');
      const late = (ms: number) => new Date(status.getTime() + ms);
      await db.knex('promotions').insert({
        model: 'svd',
        run_id: 'default/svd-2',
        reason: 'old operator',
        metric: 'rmse',
        promoted_at: late(250),
      });
      const promotion = {
        model: 'svd',
        runId: 'default/svd-2',
        reason: 'old operator',
        metric: 'rmse',
        promotedAt: status,
      };
      const found = await recordPromotion(db, promotion);
      expect([found.reason, found.promotedAt.toISOString()]).toEqual(['old operator', late(250).toISOString()]);
      const later = await recordPromotion(db, { ...promotion, reason: 'pinned again', promotedAt: late(120_000) });
      expect((await listPromotions(db, 'svd')).filter((p) => p.runId === 'default/svd-2').map((p) => p.id)).toEqual([
        later.id,
        found.id,
      ]);
      await db.knex('promotions').where('run_id', 'default/svd-2').delete();
    });

    it('records gate decisions of every outcome, newest first, which must name known runs', async () => {
      const first = await recordGateDecision(db, {
        model: 'svd',
        runId: 'default/svd-1',
        outcome: 'Promoted',
        reason: 'first champion',
        metric: 'rmse',
        metricValue: 0.86,
        decidedAt: new Date('2025-01-02T00:00:00.250Z'),
      });
      expect(first).toMatchObject({
        model: 'svd',
        runId: 'default/svd-1',
        outcome: 'Promoted',
        championRunId: null,
        championMetricValue: null,
      });
      expect(first.id).toBeGreaterThan(0);
      await recordGateDecision(db, {
        model: 'svd',
        runId: 'default/svd-2',
        outcome: 'Rejected',
        reason: 'rmse 0.9 is not better than champion default/svd-1 (0.86)',
        metric: 'rmse',
        metricValue: 0.9,
        championRunId: 'default/svd-1',
        championMetricValue: 0.86,
        decidedAt: new Date('2025-01-02T12:00:00Z'),
      });
      // Same time: the later record comes first.
      await recordGateDecision(db, {
        model: 'svd',
        runId: 'default/svd-3',
        outcome: 'Rejected',
        reason: 'trained on 0 ratings, fewer than the gate minRatings 10',
        metric: 'rmse',
        championRunId: 'default/svd-1',
        championMetricValue: 0.86,
        decidedAt: new Date('2025-01-02T12:00:00Z'),
      });
      await recordGateDecision(db, {
        model: 'svd',
        runId: 'default/svd-3',
        outcome: 'Pinned',
        reason: 'pinned by spec.promotion.pinnedRun',
        metric: 'rmse',
        championRunId: 'default/svd-1',
        championMetricValue: 0.86,
        decidedAt: new Date('2025-01-03Z'),
      });
      await recordGateDecision(db, {
        model: 'other',
        runId: 'other/run',
        outcome: 'Promoted',
        reason: 'first champion',
        metric: 'ndcgAt10',
        metricValue: 0.2,
      });
      const decisions = await listGateDecisions(db, 'svd');
      expect(
        decisions.map((d) => [
          d.runId,
          d.outcome,
          d.metricValue,
          d.championRunId,
          d.championMetricValue,
          d.decidedAt.toISOString(),
        ]),
      ).toEqual([
        ['default/svd-3', 'Pinned', null, 'default/svd-1', 0.86, '2025-01-03T00:00:00.000Z'],
        ['default/svd-3', 'Rejected', null, 'default/svd-1', 0.86, '2025-01-02T12:00:00.000Z'],
        ['default/svd-2', 'Rejected', 0.9, 'default/svd-1', 0.86, '2025-01-02T12:00:00.000Z'],
        ['default/svd-1', 'Promoted', 0.86, null, null, '2025-01-02T00:00:00.250Z'],
      ]);
      expect(decisions[2]!.reason).toBe('rmse 0.9 is not better than champion default/svd-1 (0.86)');
      expect((await listGateDecisions(db, 'svd', 2)).map((d) => d.outcome)).toEqual(['Pinned', 'Rejected']);
      expect((await listGateDecisions(db, 'other')).map((d) => d.runId)).toEqual(['other/run']);
      await expect(
        recordGateDecision(db, { model: 'svd', runId: 'nope', outcome: 'Rejected', reason: 'x', metric: 'rmse' }),
      ).rejects.toThrow(/foreign key/i);
      await expect(
        recordGateDecision(db, {
          model: 'svd',
          runId: 'default/svd-1',
          outcome: 'Maybe' as never,
          reason: 'x',
          metric: 'rmse',
        }),
      ).rejects.toThrow(/outcome must be one of/);
    });
  });
}
