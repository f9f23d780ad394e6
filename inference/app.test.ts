import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { predictRating, prepareProfile, knownUserProfile, recommend, visitorProfile } from '../model/recommender.ts';
import { makeProfile } from '../model/profile.ts';
import { openDatabase, type Database } from '../storage/database.ts';
import { migrateToLatest } from '../storage/migrations.ts';
import type {
  ErrorBody,
  Prediction,
  Readiness,
  ServedModel,
  SimilarMovies,
  UserRecommendations,
  VisitorRecommendations,
} from './api-shapes.ts';
import { openAuth, parseCredentialList } from './auth.ts';
import { RatingOverlay } from './rating-overlay.ts';
import type { ServingModel } from './serving-model.ts';
import { smallArtifact, servingModelOf } from './testing/small-model.ts';
import { startTestApp, type TestApp } from './testing/test-app.ts';

const round = (x: number) => Math.round(x * 1000) / 1000;

describe('inference app', () => {
  let serving: ServingModel;
  let app: TestApp;
  let db: Database;
  beforeAll(async () => {
    serving = servingModelOf(await smallArtifact('run-a'));
    db = await openDatabase('sqlite::memory:');
    await migrateToLatest(db);
    await db.knex('movies').insert({ movie_id: 1, title: 'Movie One (1999)', genres: 'Comedy|Drama' });
    app = await startTestApp({ a: serving }, 'a', {
      db,
      overlay: new RatingOverlay(),
      catalog: new Map([[1, { title: 'Movie One (1999)', genres: ['Comedy', 'Drama'] }]]),
    });
  });
  afterAll(async () => {
    await app.close();
    await db.close();
  });

  /** Body: the shape the route answers with (every body here is JSON). */
  const get = async <Body = unknown>(path: string, init?: RequestInit) => {
    const res = await fetch(app.url + path, init);
    return { status: res.status, body: (await res.json()) as Body, headers: res.headers };
  };
  const post = <Body = unknown>(path: string, body: unknown) =>
    get<Body>(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('refuses model swaps when no admin or write credentials are configured, even though reads are open', async () => {
    const { status, body } = await post<ErrorBody>('/v1/admin/model', { uri: '/somewhere/else' });
    expect(status).toBe(403);
    expect(body.error.message).toMatch(/MOVIE_RECO_AUTH_ADMIN/);
    expect((await get('/v1/model')).status).toBe(200);
  });

  it('recommends for a known user exactly what the model ranks, none of it already rated', async () => {
    const model = serving.recommender;
    const userId = model.factors.users.idAt(5);
    const { status, body } = await get<UserRecommendations>(`/v1/recommendations?userId=${userId}&n=7`);
    expect(status).toBe(200);
    expect(body.coldStart).toBe(false);
    const prepared = prepareProfile(model, knownUserProfile(model, 5));
    const expected = Array.from(recommend(model, prepared, 7).items, (i) => model.factors.items.idAt(i));
    expect(body.recommendations.map((r) => r.movieId)).toEqual(expected);
    const rated = new Set(Array.from(knownUserProfile(model, 5).items, (i) => model.factors.items.idAt(i)));
    for (const r of body.recommendations) expect(rated.has(r.movieId)).toBe(false);
    const first = model.factors.items.indexOf(body.recommendations[0]!.movieId);
    expect(body.recommendations[0]!.predictedRating).toBe(round(predictRating(model, prepared, first)));
    // the alias and the cached answer are the same
    expect((await get(`/recommendations?userId=${userId}&n=7`)).body).toEqual(body);
  });

  it('answers an unknown user from the popularity ranking, marked coldStart', async () => {
    const { body } = await get<UserRecommendations>('/v1/recommendations?userId=999999&n=5');
    expect(body.coldStart).toBe(true);
    expect(body.recommendations.map((r) => r.movieId)).toEqual(
      Array.from(serving.recommender.popularity.subarray(0, 5), (i) => serving.recommender.factors.items.idAt(i)),
    );
  });

  it('answers 400 naming the bad parameter', async () => {
    for (const [path, parameter] of [
      ['/v1/recommendations', 'userId'],
      ['/v1/recommendations?userId=abc', 'userId'],
      ['/v1/recommendations?userId=1&n=0', 'n'],
      ['/v1/recommendations?userId=1&n=101', 'n'],
      ['/v1/predict?userId=1', 'movieId'],
      ['/v1/movies/x/similar', 'movieId'],
    ] as const) {
      const { status, body } = await get<ErrorBody>(path);
      expect(status, path).toBe(400);
      expect(body.error.parameter, path).toBe(parameter);
    }
    const bad = await post<ErrorBody>('/v1/recommendations', { ratings: [{ movieId: 1, rating: 7 }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.parameter).toBe('ratings.0.rating');
    const notJson = await get('/v1/recommendations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    expect(notJson.status).toBe(400);
  });

  it('predicts with the model, 404 for an unknown movie', async () => {
    const model = serving.recommender;
    const userId = model.factors.users.idAt(3);
    const movieId = model.factors.items.idAt(10);
    const { body } = await get<Prediction>(`/v1/predict?userId=${userId}&movieId=${movieId}`);
    expect(body).toEqual({
      userId,
      movieId,
      predictedRating: round(predictRating(model, prepareProfile(model, knownUserProfile(model, 3)), 10)),
      coldStart: false,
      model: { run: serving.manifest.run, digest: serving.digest },
    });
    const cold = await get<Prediction>(`/v1/predict?userId=987654&movieId=${movieId}`);
    expect(cold.body).toMatchObject({ userId: 987654, coldStart: true, model: { run: serving.manifest.run } });
    expect((await get<Prediction>(`/predict?userId=${userId}&movieId=${movieId}`)).body.predictedRating).toBe(
      body.predictedRating,
    );
    const missing = await get<ErrorBody>(`/v1/predict?userId=${userId}&movieId=987654`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('unknown_movie');
  });

  it('serves the similar list precomputed at training, best first, never the movie itself', async () => {
    const { factors: f, similar } = serving.recommender;
    const movieId = f.items.idAt(0);
    const { status, body } = await get<SimilarMovies>(`/v1/movies/${movieId}/similar?n=5`);
    expect(status).toBe(200);
    const listed = Array.from(similar!.items.subarray(similar!.offsets[0]!, similar!.offsets[0]! + 5));
    expect(listed).toHaveLength(5);
    expect(body.similar.map((s) => s.movieId)).toEqual(listed.map((i) => f.items.idAt(i)));
    expect(body.similar.map((s) => s.movieId)).not.toContain(movieId);
    expect((await get('/v1/movies/987654/similar')).status).toBe(404);
  });

  it('recommends for a visitor from a few ratings, by fold-in', async () => {
    const model = serving.recommender;
    const ratings = [0, 1, 2, 3].map((i) => ({ movieId: model.factors.items.idAt(i), rating: 4.5 }));
    const { status, body } = await post<VisitorRecommendations>('/v1/recommendations', {
      ratings: [...ratings, { movieId: 987654, rating: 3 }],
      n: 6,
    });
    expect(status).toBe(200);
    const expected = recommend(model, prepareProfile(model, visitorProfile(model, ratings)), 6);
    expect(body.recommendations.map((r) => r.movieId)).toEqual(
      Array.from(expected.items, (i) => model.factors.items.idAt(i)),
    );
    expect(body.ignoredMovieIds).toEqual([987654]);
  });

  it('stores a rating (201) and folds it into that user’s next recommendations', async () => {
    const model = serving.recommender;
    const user = 7;
    const userId = model.factors.users.idAt(user);
    const before = await get<UserRecommendations>(`/v1/recommendations?userId=${userId}&n=5`);
    const movieId = before.body.recommendations[0]!.movieId;
    const stored = await post('/v1/ratings', { userId, movieId, rating: 0.5 });
    expect(stored.status).toBe(201);
    const row = await db.knex('ratings').where({ user_id: userId, movie_id: movieId }).first();
    expect(Number(row.rating)).toBe(0.5);
    const after = await get<UserRecommendations>(`/v1/recommendations?userId=${userId}&n=5`);
    expect(after.body.recommendations.map((r) => r.movieId)).not.toContain(movieId);
    const known = knownUserProfile(model, user);
    const merged = makeProfile(user, [...known.items, model.factors.items.indexOf(movieId)], [...known.ratings, 0.5]);
    const expected = recommend(model, prepareProfile(model, merged, false), 5);
    expect(after.body.recommendations.map((r) => r.movieId)).toEqual(
      Array.from(expected.items, (i) => model.factors.items.idAt(i)),
    );
  });

  it('refuses a bad rating with 400 and an unknown movie with 404', async () => {
    expect((await post<ErrorBody>('/v1/ratings', { userId: 1, movieId: 1, rating: 6 })).body.error.parameter).toBe(
      'rating',
    );
    expect((await post<ErrorBody>('/v1/ratings', { userId: 1, rating: 3 })).body.error.parameter).toBe('movieId');
    expect((await post('/v1/ratings', { userId: 1, movieId: 987654, rating: 3 })).status).toBe(404);
  });

  it('describes the model, health, readiness, docs and metrics', async () => {
    const model = await get<ServedModel>('/v1/model');
    expect(model.body).toMatchObject({ model: 'test', run: 'run-a', digest: serving.digest });
    expect((await get('/healthz')).status).toBe(200);
    expect((await get<Readiness>('/readyz')).body.ready).toBe(true);
    expect((await fetch(`${app.url}/docs`)).headers.get('content-type')).toMatch(/text\/html/);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toContain(`movie_reco_model_info{model="test",run="run-a",digest="${serving.digest}"} 1`);
    expect(metrics).toContain(
      'http_request_duration_seconds_bucket{le="0.3",method="GET",route="/v1/recommendations",status_code="200"}',
    );
  });

  it('counts predictions and recommendation lists by label set, as served', async () => {
    const sample = async (series: string) => {
      const text = await (await fetch(`${app.url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line ? Number(line.slice(series.length + 1)) : 0;
    };
    const model = serving.recommender;
    const known = model.factors.users.idAt(2);
    const movieId = model.factors.items.idAt(1);
    const series = {
      warmPredictions: 'movie_reco_predictions_total{cold_start="false"}',
      coldPredictions: 'movie_reco_predictions_total{cold_start="true"}',
      coldUserLists: 'movie_reco_recommendations_total{kind="user",cold_start="true"}',
      visitorLists: 'movie_reco_recommendations_total{kind="visitor",cold_start="false"}',
    };
    const before = Object.fromEntries(
      await Promise.all(Object.entries(series).map(async ([k, s]) => [k, await sample(s)])),
    );
    for (let k = 0; k < 3; k++) await get(`/v1/predict?userId=${known}&movieId=${movieId}`);
    await get(`/v1/predict?userId=987654&movieId=${movieId}`);
    await get('/v1/recommendations?userId=987654&n=3');
    await get('/v1/recommendations?userId=987655&n=3');
    await post('/v1/recommendations', { ratings: [{ movieId, rating: 4 }] });
    expect(await sample(series.warmPredictions)).toBe(before.warmPredictions + 3);
    expect(await sample(series.coldPredictions)).toBe(before.coldPredictions + 1);
    expect(await sample(series.coldUserLists)).toBe(before.coldUserLists + 2);
    expect(await sample(series.visitorLists)).toBe(before.visitorLists + 1);
    // read twice with nothing served in between: the deferred counts are added once
    expect(await sample(series.warmPredictions)).toBe(before.warmPredictions + 3);
  });

  it('answers JSON 404 for an unknown path and 405 for a wrong method', async () => {
    const missing = await get<ErrorBody>('/v2/nothing');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    const wrongMethod = await get<ErrorBody>('/v1/model', { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.body.error.code).toBe('method_not_allowed');
    // A method no route implements is the client's mistake too: 405, not the router's 501.
    const unknownMethod = await get<ErrorBody>('/v1/model', { method: 'PROPFIND' });
    expect(unknownMethod.status).toBe(405);
    expect(unknownMethod.body.error.code).toBe('method_not_allowed');
    expect(unknownMethod.headers.get('allow')).toBe('HEAD, GET, POST, OPTIONS');
  });

  it('answers 413 to an oversized body and closes the connection, whose unread rest it cannot reuse', async () => {
    const { status, body, headers } = await get<ErrorBody>('/v1/ratings', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(300_000) }),
    });
    expect(status).toBe(413);
    expect(body.error.code).toBe('body_too_large');
    expect(headers.get('connection')).toBe('close');
    expect((await get('/healthz')).status).toBe(200);
  });

  it('writes one JSON log line per request with route, status and duration', async () => {
    const before = app.logLines.length;
    await get('/v1/movies/1/similar?n=2');
    const lines = app.logLines
      .slice(before)
      .map((l) => JSON.parse(l))
      .filter((l) => l.msg === 'request');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ method: 'GET', route: '/v1/movies/:movieId/similar', status: 200 });
    expect(typeof lines[0].durationMs).toBe('number');
  });
});

describe('inference app that takes no anonymous writes (a release without credentials)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ a: servingModelOf(await smallArtifact('run-a')) }, 'a', {
      auth: { ...openAuth, anonymousWrites: false },
    });
  });
  afterAll(() => app.close());

  it('answers reads to anyone and refuses every rating with a 403 that says how to open writes', async () => {
    expect((await fetch(`${app.url}/v1/model`)).status).toBe(200);
    const posted = await fetch(`${app.url}/v1/ratings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"userId":1,"movieId":1,"rating":4}',
    });
    expect(posted.status).toBe(403);
    const body = (await posted.json()) as ErrorBody;
    expect(body.error.code).toBe('forbidden');
    expect(body.error.message).toMatch(/spec\.serving\.authSecretRef.*spec\.serving\.anonymousWrites: true/);
  });
});

describe('inference app with credentials', () => {
  let app: TestApp;
  const auth = {
    read: parseCredentialList(['bearer:read-token-s3cret', 'basic:alice:wonder-land']),
    write: parseCredentialList(['basic:writer:pa55word']),
    admin: [],
    anonymousWrites: true,
  };
  beforeAll(async () => {
    app = await startTestApp({ a: servingModelOf(await smallArtifact('run-a')) }, 'a', { auth });
  });
  afterAll(() => app.close());

  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  it('lets reads through with a read bearer token or basic credentials, 401 otherwise', async () => {
    const path = `${app.url}/v1/model`;
    expect((await fetch(path, { headers: { authorization: 'Bearer read-token-s3cret' } })).status).toBe(200);
    expect((await fetch(path, { headers: { authorization: basic('alice', 'wonder-land') } })).status).toBe(200);
    const none = await fetch(path);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/Basic/);
    expect(((await none.json()) as ErrorBody).error.code).toBe('unauthorized');
    expect((await fetch(path, { headers: { authorization: basic('alice', 'wrong') } })).status).toBe(401);
    expect((await fetch(path, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
  });

  it('protects writes separately: a read credential cannot post a rating', async () => {
    const post = (authorization: string) =>
      fetch(`${app.url}/v1/ratings`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: '{"userId":1,"movieId":1,"rating":4}',
      });
    expect((await post('Bearer read-token-s3cret')).status).toBe(401);
    // accepted by auth; no database here, so the store answers 503 (or 404 for a movie the model lacks)
    expect([404, 503]).toContain((await post(basic('writer', 'pa55word'))).status);
  });

  it('keeps health and metrics open and never logs a credential', async () => {
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${app.url}/metrics`)).status).toBe(200);
    const log = app.logLines.join('\n');
    for (const secret of [
      'read-token-s3cret',
      'wonder-land',
      'pa55word',
      Buffer.from('alice:wonder-land').toString('base64'),
    ]) {
      expect(log).not.toContain(secret);
    }
  });
});
