import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { predictRating } from '../model/recommender.ts';
import { openDatabase, type Database } from '../storage/database.ts';
import { migrateToLatest } from '../storage/migrations.ts';
import { waitFor } from '../testenv/poll.ts';
import type { Prediction, UserRecommendations } from './api-shapes.ts';
import { countLabels, figuresFromCounts, onlineCountsFromMetrics, type OnlineLabel } from './online-figures.ts';
import { RatingOverlay } from './rating-overlay.ts';
import { userProfile } from './recommendations.ts';
import type { ServingModel } from './serving-model.ts';
import { servingModelOf, smallArtifact } from './testing/small-model.ts';
import { startTestApp, type TestApp } from './testing/test-app.ts';
import { roleForUser } from './traffic-split.ts';

describe('champion and challenger in one service', () => {
  let champion: ServingModel;
  const apps: TestApp[] = [];
  const dbs: Database[] = [];

  beforeAll(async () => {
    champion = servingModelOf(await smallArtifact('run-a', 1));
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    for (const db of dbs) await db.close();
  });

  /** A fresh app (fresh models: their caches and served lists start empty) with a SQLite database. */
  const start = async (
    settings: { mode: 'shadow' | 'canary'; sharePercent: number; delayMs?: number },
    overlay = new RatingOverlay(),
  ) => {
    const db = await openDatabase('sqlite::memory:');
    await migrateToLatest(db);
    dbs.push(db);
    const a = servingModelOf(await smallArtifact('run-a', 1));
    const b = servingModelOf(await smallArtifact('run-b', 2));
    const app = await startTestApp({ a, b }, 'a', { db, overlay }, { initial: 'b', settings });
    apps.push(app);
    return { app, a, b };
  };
  const getJson = async <T>(app: TestApp, path: string) => {
    const res = await fetch(app.url + path);
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };
  const users = () => Array.from({ length: 80 }, (_, k) => champion.recommender.factors.users.idAt(k));

  it('in a canary, serves each user from the model the split names, for recommendations and predictions', async () => {
    const { app } = await start({ mode: 'canary', sharePercent: 30 });
    const movieId = champion.recommender.factors.items.idAt(3);
    const seen = new Set<string>();
    for (const userId of users()) {
      const expected = roleForUser(userId, 30) === 'challenger' ? 'run-b' : 'run-a';
      const recs = await getJson<UserRecommendations>(app, `/v1/recommendations?userId=${userId}&n=5`);
      const predicted = await getJson<Prediction>(app, `/v1/predict?userId=${userId}&movieId=${movieId}`);
      expect({ userId, recs: recs.model.run, predict: predicted.model.run }).toEqual({
        userId,
        recs: expected,
        predict: expected,
      });
      seen.add(expected);
    }
    expect(seen).toEqual(new Set(['run-a', 'run-b']));
  });

  it('in shadow, answers every user from the champion while the challenger computes its own list unseen', async () => {
    const { app, b } = await start({ mode: 'shadow', sharePercent: 0 });
    const userId = users()[7]!;
    const recs = await getJson<UserRecommendations>(app, `/v1/recommendations?userId=${userId}&n=10`);
    expect(recs.model.run).toBe('run-a');
    const shadowBody = await waitFor('the shadow answer', () => b.lastServed.get(userId));
    const shadowList = JSON.parse(shadowBody) as UserRecommendations;
    expect(shadowList.model.run).toBe('run-b');
    expect(shadowList.recommendations).toHaveLength(10);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/movie_reco_model_answer_duration_seconds_count\{role="challenger",run="run-b"\} [1-9]/);
    expect(metrics).toMatch(/movie_reco_model_answer_duration_seconds_count\{role="champion",run="run-a"\} [1-9]/);
    expect(metrics).toMatch(/movie_reco_challenger_info\{model="test",run="run-b",digest="[^"]+",mode="shadow"\} 1/);
  });

  it("holds each challenger answer for a rehearsal's delay, and its answer times show it", async () => {
    const { app, b } = await start({ mode: 'shadow', sharePercent: 0, delayMs: 120 });
    const userId = users()[3]!;
    const recs = await getJson<UserRecommendations>(app, `/v1/recommendations?userId=${userId}&n=10`);
    expect(recs.model.run).toBe('run-a');
    await waitFor('the shadow answer', () => b.lastServed.get(userId));
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    const bucket = (role: string, run: string, le: string) =>
      Number(
        metrics.match(
          new RegExp(
            `movie_reco_model_answer_duration_seconds_bucket\\{le="${le}",role="${role}",run="${run}"\\} (\\d+)`,
          ),
        )?.[1],
      );
    // No challenger answer took less than the delay.
    expect(bucket('challenger', 'run-b', '0.1')).toBe(0);
    expect(metrics).toMatch(/movie_reco_model_answer_duration_seconds_count\{role="challenger",run="run-b"\} [1-9]/);
  });

  it('labels each posted rating with every model prediction made before it, and counts hits', async () => {
    const overlay = new RatingOverlay();
    const { app, a, b } = await start({ mode: 'shadow', sharePercent: 0 }, overlay);
    const [servedUser, unservedUser] = [users()[11]!, users()[12]!];
    const recs = await getJson<UserRecommendations>(app, `/v1/recommendations?userId=${servedUser}&n=10`);
    const shadowList = JSON.parse(await waitFor('the shadow answer', () => b.lastServed.get(servedUser)));
    const shadowIds = new Set((shadowList as UserRecommendations).recommendations.map((r) => r.movieId));
    const hitMovie = recs.recommendations[0]!.movieId;
    const missMovie = a.recommender.factors.items.idAt(
      Array.from({ length: a.recommender.factors.items.size }, (_, k) => k).find(
        (k) =>
          !recs.recommendations.some((r) => r.movieId === a.recommender.factors.items.idAt(k)) &&
          !shadowIds.has(a.recommender.factors.items.idAt(k)),
      )!,
    );
    const posts = [
      { userId: servedUser, movieId: hitMovie, rating: 4.5 },
      { userId: servedUser, movieId: missMovie, rating: 1 },
      { userId: unservedUser, movieId: hitMovie, rating: 3 },
    ];
    const expected: OnlineLabel[] = [];
    for (const post of posts) {
      // What each model predicts before the rating is known: the overlay holds the earlier posts only.
      for (const [role, model] of [
        ['champion', a],
        ['challenger', b],
      ] as const) {
        const item = model.recommender.factors.items.indexOf(post.movieId);
        const served = post.userId === servedUser;
        expected.push({
          role,
          run: model.manifest.run,
          ...post,
          predicted: predictRating(model.recommender, userProfile(model, overlay, post.userId), item),
          served,
          hit: served && (role === 'champion' ? post.movieId === hitMovie : shadowIds.has(post.movieId)),
        });
      }
      const res = await fetch(`${app.url}/v1/ratings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(post),
      });
      expect(res.status).toBe(201);
    }
    const logged = app.logLines
      .map((line) => JSON.parse(line) as { msg: string } & OnlineLabel)
      .filter((line) => line.msg === 'online label')
      .map(({ role, run, userId, movieId, predicted, rating, served, hit }) => ({
        role,
        run,
        userId,
        movieId,
        predicted,
        rating,
        served,
        hit,
      }));
    expect(logged).toEqual(expected);
    expect(logged.filter((l) => l.role === 'champion' && l.hit)).toHaveLength(1);
    // The figures the pod exposes are those of the labels it recorded.
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    for (const role of ['champion', 'challenger'] as const) {
      const exposed = figuresFromCounts(onlineCountsFromMetrics(metrics, role));
      const recomputed = figuresFromCounts(countLabels(expected.filter((l) => l.role === role)));
      expect(exposed.labels).toBe(3);
      expect(exposed.servedRatings).toBe(2);
      expect(exposed.hits).toBe(recomputed.hits);
      expect(exposed.rmse).toBeCloseTo(recomputed.rmse!, 9);
    }
  });

  it('stores and acknowledges a rating when the challenger fails, counting its failures unseen', async () => {
    const db = await openDatabase('sqlite::memory:');
    await migrateToLatest(db);
    dbs.push(db);
    const a = servingModelOf(await smallArtifact('run-a', 1));
    const good = servingModelOf(await smallArtifact('run-b', 2));
    const broken: ServingModel = {
      ...good,
      recommender: new Proxy(good.recommender, {
        get() {
          throw new Error('broken challenger');
        },
      }),
    };
    const app = await startTestApp(
      { a, b: broken },
      'a',
      { db },
      { initial: 'b', settings: { mode: 'shadow', sharePercent: 0 } },
    );
    apps.push(app);
    const userId = users()[20]!;
    const recs = await getJson<UserRecommendations>(app, `/v1/recommendations?userId=${userId}&n=10`);
    expect(recs.model.run).toBe('run-a');
    const movieId = recs.recommendations[0]!.movieId;
    const res = await fetch(`${app.url}/v1/ratings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId, movieId, rating: 4 }),
    });
    expect(res.status).toBe(201);
    expect(await db.knex('ratings').where({ user_id: userId, movie_id: movieId }).select('rating')).toHaveLength(1);
    const metrics = await waitFor('both challenger failures counted', async () => {
      const text = await (await fetch(`${app.url}/metrics`)).text();
      return /movie_reco_model_answer_errors_total\{role="challenger",run="run-b"\} 2/.test(text) && text;
    });
    expect(onlineCountsFromMetrics(metrics, 'champion')).toMatchObject({ labels: 1, servedRatings: 1, hits: 1 });
    expect(onlineCountsFromMetrics(metrics, 'challenger').labels).toBe(0);
  });
});
