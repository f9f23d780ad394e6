import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../storage/database.ts';
import { migrateToLatest } from '../storage/migrations.ts';
import { insertRating } from '../storage/ratings-table.ts';
import type {
  EpochsInsight,
  ErrorBody,
  FoundMovies,
  ModelsInsight,
  RatingsInsight,
  TrafficInsight,
} from './api-shapes.ts';
import type { MovieCatalog } from './movie-catalog.ts';
import type { ServingModel } from './serving-model.ts';
import { recordInsightHistory } from './testing/insight-history.ts';
import { smallArtifact, servingModelOf } from './testing/small-model.ts';
import { startTestApp, type TestApp } from './testing/test-app.ts';

const catalog: MovieCatalog = new Map([
  [1, { title: 'Toy Story (1995)', genres: ['Animation'] }],
  [2, { title: 'Matrix, The (1999)', genres: ['Action'] }],
  [3, { title: 'Toy Soldiers (1991)', genres: ['Action'] }],
  [4, { title: "Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)", genres: ['Comedy'] }],
  [5, { title: 'Story of Us, The (1999)', genres: ['Drama'] }],
  [100_000, { title: 'Toy Story 99 (2099)', genres: [] }],
]);

describe('insight and search endpoints', () => {
  let serving: ServingModel;
  let db: Database;
  let app: TestApp;
  let bare: TestApp;

  beforeAll(async () => {
    serving = servingModelOf(await smallArtifact('run-b'));
    db = await openDatabase('sqlite::memory:');
    await migrateToLatest(db);
    await recordInsightHistory(db);
    app = await startTestApp({ b: serving }, 'b', { db, catalog });
    bare = await startTestApp({ b: serving }, 'b');
  });
  afterAll(async () => {
    await app.close();
    await bare.close();
    await db.close();
  });

  /** Body: the shape the route answers with (every body here is JSON). */
  const get = async <Body = unknown>(base: TestApp, path: string) => {
    const res = await fetch(base.url + path);
    return { status: res.status, body: (await res.json()) as Body };
  };

  it('searches titles by words, ignoring case, accents and MovieLens’s trailing articles', async () => {
    const titles = async (q: string, n = 10) =>
      (await get<FoundMovies>(app, `/v1/movies?q=${encodeURIComponent(q)}&n=${n}`)).body.movies.map((m) => m.title);
    expect(await titles('the matrix')).toEqual(['Matrix, The (1999)']);
    expect(await titles('AMÉLIE')).toEqual(["Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)"]);
    expect(await titles('story toy')).toEqual(expect.arrayContaining(['Toy Story (1995)', 'Toy Story 99 (2099)']));
    expect(await titles('zzz')).toEqual([]);
    const { body } = await get<FoundMovies>(app, '/v1/movies?q=toy&n=5');
    // All three start with "toy"; the model's movies come first, most rated first; one it lacks has 0 ratings.
    const known = body.movies.filter((m) => m.ratings > 0);
    expect(known.map((m) => m.ratings)).toEqual([...known.map((m) => m.ratings)].sort((a, b) => b - a));
    expect(body.movies.at(-1)).toMatchObject({ movieId: 100_000, ratings: 0 });
    expect(await titles('story', 1)).toHaveLength(1);
    // "story" starts "Story of Us, The" and "The Story of Us", so that one comes first.
    expect((await titles('story'))[0]).toBe('Story of Us, The (1999)');
  });

  it('answers 400 for a bad search and 503 without a catalogue', async () => {
    for (const path of [
      '/v1/movies',
      '/v1/movies?q=',
      `/v1/movies?q=${'x'.repeat(201)}`,
      '/v1/movies?q=a&q=b',
      '/v1/movies?q=toy&n=0',
    ]) {
      const { status, body } = await get<ErrorBody>(app, path);
      expect(status, path).toBe(400);
      expect(body.error.code).toBe('bad_parameter');
    }
    const { status, body } = await get<ErrorBody>(bare, '/v1/movies?q=toy');
    expect(status).toBe(503);
    expect(body.error.code).toBe('no_catalogue');
  });

  it('describes the served model’s runs, champion, promotions and gate decisions', async () => {
    const { status, body } = await get<ModelsInsight>(app, '/v1/insights/models');
    expect(status).toBe(200);
    expect(body.model).toBe('test');
    expect(body.models.map((m) => [m.model, m.runs])).toEqual([
      ['other', 1],
      ['test', 2],
    ]);
    expect(body.serving).toEqual({ model: 'test', run: 'run-b', digest: serving.digest });
    expect(body.champion).toMatchObject({
      runId: 'run-b',
      previousRunId: 'run-a',
      reason: 'rmse 0.9 beats run-a (0.95) by 0.05',
      promotedAt: '2025-01-02T02:00:00.000Z',
    });
    expect(body.runs.map((r) => r.runId)).toEqual(['run-b', 'run-a']);
    expect(body.runs[0]).toMatchObject({
      status: 'Succeeded',
      params: { factors: { factors: 16, epochs: 3 } },
      metrics: { rmse: 0.9, ndcgAt10: 0.2, mae: null },
    });
    expect(body.promotions.map((p) => p.runId)).toEqual(['run-b', 'run-a']);
    expect(body.decisions.map((d) => [d.runId, d.outcome])).toEqual([
      ['run-a', 'Rejected'],
      ['run-b', 'Promoted'],
      ['run-a', 'Promoted'],
    ]);
    expect(body.decisions[0]).toEqual({
      id: expect.any(Number),
      model: 'test',
      runId: 'run-a',
      outcome: 'Rejected',
      reason: 'rmse 0.95 is not better than champion run-b (0.9)',
      metric: 'rmse',
      metricValue: 0.95,
      championRunId: 'run-b',
      championMetricValue: 0.9,
      decidedAt: '2025-01-03T00:00:00.000Z',
    });
    expect(body.searches).toEqual([]);
    // One model and no rating posted: the champion's online figures are all still to come.
    expect(body.live).toEqual({
      mode: null,
      sharePercent: 0,
      models: [
        {
          role: 'champion',
          run: 'run-b',
          digest: serving.digest,
          labels: 0,
          rmse: null,
          servedRatings: 0,
          hits: 0,
          hitRate: null,
          answers: 0,
          errors: 0,
          p99Ms: null,
        },
      ],
    });
    const other = (await get<ModelsInsight>(app, '/v1/insights/models?model=other')).body;
    expect(other).toMatchObject({ model: 'other', champion: null, promotions: [], decisions: [] });
    expect(other.runs.map((r) => r.runId)).toEqual(['other-1']);
    expect((await get(app, '/v1/insights/models?model=nobody')).body).toMatchObject({
      model: 'nobody',
      runs: [],
      champion: null,
      decisions: [],
    });
    const bad = await get<ErrorBody>(app, '/v1/insights/models?model=%20drop');
    expect([bad.status, bad.body.error.parameter]).toEqual([400, 'model']);
  });

  it('returns the epochs of several runs in the order asked', async () => {
    const { status, body } = await get<EpochsInsight>(app, '/v1/insights/epochs?runId=run-b&runId=run-a&runId=run-b');
    expect(status).toBe(200);
    expect(body.runs.map((r) => [r.runId, r.epochs.length])).toEqual([
      ['run-b', 3],
      ['run-a', 3],
    ]);
    expect(body.runs[1]?.epochs[0]).toEqual({ epoch: 1, trainLoss: 0.9, validationRmse: 1.05, seconds: 0.1 });
    expect((await get(app, '/v1/insights/epochs')).status).toBe(400);
    expect(
      (await get(app, `/v1/insights/epochs?${Array.from({ length: 13 }, (_, k) => `runId=r${k}`).join('&')}`)).status,
    ).toBe(400);
  });

  it('describes the ratings, and keeps the answer for a minute', async () => {
    const { status, body } = await get<RatingsInsight>(app, '/v1/insights/ratings');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      ratings: 2,
      users: 2,
      movies: 1,
      perMonth: [
        { month: '2020-01', count: 1 },
        { month: '2020-02', count: 1 },
      ],
    });
    await insertRating(db, { userId: 3, movieId: 1, rating: 3 });
    const again = (await get(app, '/v1/insights/ratings')).body;
    expect(again).toEqual(body);
  });

  it('counts cold-start answers from the service’s own counters', async () => {
    const before = (await get<TrafficInsight>(bare, '/v1/insights/traffic')).body;
    expect(before.recommendations).toEqual({ user: { coldStart: 0, total: 0 }, visitor: { coldStart: 0, total: 0 } });
    const userId = serving.recommender.factors.users.idAt(0);
    await fetch(`${bare.url}/v1/recommendations?userId=${userId}`);
    await fetch(`${bare.url}/v1/recommendations?userId=99999999`);
    await fetch(`${bare.url}/v1/recommendations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"ratings":[]}',
    });
    await fetch(`${bare.url}/v1/predict?userId=99999999&movieId=${serving.recommender.factors.items.idAt(0)}`);
    const { status, body } = await get<TrafficInsight>(bare, '/v1/insights/traffic');
    expect(status).toBe(200);
    expect(body.recommendations).toEqual({ user: { coldStart: 1, total: 2 }, visitor: { coldStart: 1, total: 1 } });
    expect(body.predictions).toEqual({ coldStart: 1, total: 1 });
    expect(Date.parse(body.countingSince)).toBeLessThanOrEqual(Date.now());
  });

  it('answers 503 no_database for what needs the database when there is none', async () => {
    for (const path of ['/v1/insights/models', '/v1/insights/epochs?runId=a', '/v1/insights/ratings']) {
      const { status, body } = await get<ErrorBody>(bare, path);
      expect(status, path).toBe(503);
      expect(body.error.code).toBe('no_database');
      expect(body.error.message).toMatch(/MOVIE_RECO_DATABASE_URL/);
    }
  });

  it('answers 503 database_unavailable when the database fails', async () => {
    const broken = await openDatabase('sqlite::memory:');
    const failing = await startTestApp({ b: serving }, 'b', { db: broken });
    try {
      const { status, body } = await get<ErrorBody>(failing, '/v1/insights/models');
      expect(status).toBe(503);
      expect(body.error.code).toBe('database_unavailable');
      expect(body.error.message).toMatch(/training_runs/);
    } finally {
      await failing.close();
      await broken.close();
    }
  });
});
