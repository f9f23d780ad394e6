import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openDatabase, type Database } from '../storage/database.ts';
import { migrateToLatest } from '../storage/migrations.ts';
import * as shapes from './api-shapes.ts';
import type { ServingModel } from './serving-model.ts';
import { recordInsightHistory } from './testing/insight-history.ts';
import { smallArtifact, servingModelOf } from './testing/small-model.ts';
import { startTestApp, type TestApp } from './testing/test-app.ts';

/**
 * The answers are written without being parsed (the hot routes by hand), so each is read back
 * here through the schema that types it: parsed, then written as the schema writes JSON, it must
 * come out the same, with no field missing, extra, or of another type.
 */
describe('every JSON answer is what its api-shapes.ts schema describes', () => {
  let serving: ServingModel;
  let db: Database;
  let app: TestApp;
  beforeAll(async () => {
    serving = servingModelOf(await smallArtifact('run-a'));
    db = await openDatabase('sqlite::memory:');
    await migrateToLatest(db);
    await recordInsightHistory(db);
    const movieId = serving.recommender.factors.items.idAt(0);
    app = await startTestApp({ a: serving }, 'a', {
      db,
      catalog: new Map([[movieId, { title: 'Movie (1999)', genres: ['Comedy', 'Drama'] }]]),
    });
  });
  afterAll(async () => {
    await app.close();
    await db.close();
  });

  const answer = async (path: string, body?: unknown) => {
    const response = await fetch(app.url + path, {
      ...(body === undefined
        ? {}
        : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    expect(response.headers.get('content-type'), path).toBe('application/json; charset=utf-8');
    return { status: response.status, json: (await response.json()) as unknown };
  };
  const expectShape = (schema: z.ZodType, json: unknown) => {
    expect(z.encode(schema, schema.parse(json))).toEqual(json);
  };

  it('for the recommendation, prediction and movie routes, cached or not', async () => {
    const f = serving.recommender.factors;
    const known = f.users.idAt(0);
    const movieId = f.items.idAt(0);
    for (const userId of [known, known, 987_654]) {
      expectShape(shapes.userRecommendations, (await answer(`/v1/recommendations?userId=${userId}&n=3`)).json);
      expectShape(shapes.prediction, (await answer(`/v1/predict?userId=${userId}&movieId=${movieId}`)).json);
    }
    const visitor = await answer('/v1/recommendations', {
      ratings: [
        { movieId, rating: 4.5 },
        { movieId: 987_654, rating: 1 },
      ],
    });
    expectShape(shapes.visitorRecommendations, visitor.json);
    for (let k = 0; k < 2; k++)
      expectShape(shapes.similarMovies, (await answer(`/v1/movies/${movieId}/similar?n=4`)).json);
    expectShape(shapes.foundMovies, (await answer('/v1/movies?q=movie')).json);
    const stored = await answer('/v1/ratings', { userId: known, movieId, rating: 2.5 });
    expect(stored.status).toBe(201);
    expectShape(shapes.storedRating, stored.json);
  });

  it('for the model, probes and insights', async () => {
    expectShape(shapes.servedModel, (await answer('/v1/model')).json);
    expectShape(shapes.health, (await answer('/healthz')).json);
    expectShape(shapes.readiness, (await answer('/readyz')).json);
    const models = await answer('/v1/insights/models');
    expect(models.json).toMatchObject({ model: 'test', champion: { runId: 'run-b' } });
    expectShape(shapes.modelsInsight, models.json);
    expectShape(shapes.epochsInsight, (await answer('/v1/insights/epochs?runId=run-a&runId=run-b')).json);
    expectShape(shapes.ratingsInsight, (await answer('/v1/insights/ratings')).json);
    expectShape(shapes.trafficInsight, (await answer('/v1/insights/traffic')).json);
  });

  it('for errors', async () => {
    for (const path of ['/v1/predict?userId=x', '/v1/movies/987654/similar', '/nowhere']) {
      const { status, json } = await answer(path);
      expect(status).toBeGreaterThanOrEqual(400);
      expectShape(shapes.errorBody, json);
    }
  });
});
