import { spawnSync } from 'node:child_process';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/log.ts';
import { waitFor } from '../testenv/poll.ts';
import { predictRating } from '../model/recommender.ts';
import {
  createTestDatabase,
  promtoolBinary,
  s3Coordinates,
  type TestBucket,
  type TestDatabase,
} from '../testenv/fixtures.ts';
import type { UserRecommendations } from './api-shapes.ts';
import { serveConfigFromEnv } from './config.ts';
import { loadServingModel } from './model-loader.ts';
import { countLabels, figuresFromCounts, onlineCountsFromMetrics, type OnlineLabel } from './online-figures.ts';
import { RatingOverlay } from './rating-overlay.ts';
import { userProfile } from './recommendations.ts';
import { startService, type RunningService } from './service.ts';
import type { ServingModel } from './serving-model.ts';
import { seedCatalogue } from './testing/catalogue.ts';
import { bucketWithTestModels, testS3Env, type TestModelRun } from './testing/test-models-bucket.ts';
import { roleForUser } from './traffic-split.ts';

const SHARE = 50;

describe('online labels of a canary, served from MinIO models with ratings in MariaDB', () => {
  let database: TestDatabase;
  let bucket: TestBucket;
  let service: RunningService;
  let digests: Record<TestModelRun, string>;
  const logLines: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('online');
    ({ bucket, digests } = await bucketWithTestModels('online'));
    await seedCatalogue(database.url, 120);
    const config = serveConfigFromEnv({
      MOVIE_RECO_MODEL_URI: `s3://${bucket.name}/models/run-a`,
      MOVIE_RECO_MODEL_DIGEST: digests['run-a'],
      MOVIE_RECO_CHALLENGER_URI: `s3://${bucket.name}/models/run-b`,
      MOVIE_RECO_CHALLENGER_DIGEST: digests['run-b'],
      MOVIE_RECO_CHALLENGER_MODE: 'canary',
      MOVIE_RECO_CHALLENGER_SHARE: String(SHARE),
      MOVIE_RECO_DATABASE_URL: database.url,
      MOVIE_RECO_HOST: '127.0.0.1',
      MOVIE_RECO_PORT: '0',
      MOVIE_RECO_DRAIN_SECONDS: '2',
      MOVIE_RECO_SHUTDOWN_DELAY_SECONDS: '0',
      ...testS3Env(),
      MOVIE_RECO_AUTH_WRITE: 'bearer:writer-token',
    });
    service = await startService(config, createLogger({}, { level: 'info', write: (line) => logLines.push(line) }));
    await waitFor('the challenger serving', () => service.models.challenger?.current);
  });

  afterAll(async () => {
    await service?.stop();
    await database?.drop();
    await bucket?.remove();
  });

  const url = (path: string) => `http://127.0.0.1:${service.port}${path}`;

  it('exposes per-model online figures equal to an offline recomputation from the labels', async () => {
    const posted: { userId: number; movieId: number; rating: number }[] = [];
    const servedTop = new Map<number, number[]>();
    for (let userId = 1; userId <= 40; userId++) {
      const res = await fetch(url(`/v1/recommendations?userId=${userId}&n=10`));
      expect(res.status).toBe(200);
      const body = (await res.json()) as UserRecommendations;
      expect(body.model.digest).toBe(digests[roleForUser(userId, SHARE) === 'challenger' ? 'run-b' : 'run-a']);
      servedTop.set(
        userId,
        body.recommendations.map((r) => r.movieId),
      );
      // A rating of a recommended movie (a hit for the model that served it), then one of a movie off the list.
      // The small test models leave a few users an empty list: they rate only a movie off it.
      const top = body.recommendations[userId % body.recommendations.length]?.movieId;
      const off = Array.from({ length: 120 }, (_, k) => k + 1).find(
        (movieId) => !body.recommendations.some((r) => r.movieId === movieId),
      )!;
      const ratings: [number, number][] = [
        ...(top !== undefined ? [[top, 1 + (userId % 9) / 2] as [number, number]] : []),
        [off, 5 - (userId % 7) / 2],
      ];
      for (const [movieId, rating] of ratings) {
        const rated = await fetch(url('/v1/ratings'), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer writer-token' },
          body: JSON.stringify({ userId, movieId, rating }),
        });
        expect(rated.status).toBe(201);
        posted.push({ userId, movieId, rating });
      }
    }
    // Users the service never served a list to: labels without a chance of a hit.
    for (let userId = 300; userId < 310; userId++) {
      const rated = await fetch(url('/v1/ratings'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer writer-token' },
        body: JSON.stringify({ userId, movieId: 5, rating: 4 }),
      });
      expect(rated.status).toBe(201);
      posted.push({ userId, movieId: 5, rating: 4 });
    }

    // Every acknowledged rating is in MariaDB.
    const conn = await mysql.createConnection(database.url);
    const [rows] = await conn.query('SELECT user_id, movie_id, rating FROM ratings ORDER BY id');
    await conn.end();
    expect(
      (rows as { user_id: number; movie_id: number; rating: number }[]).map((r) => [r.user_id, r.movie_id]),
    ).toEqual(posted.map((p) => [p.userId, p.movieId]));

    // Offline: both artifacts as stored, each rating predicted before it is known, hits on the lists served.
    const models: [OnlineLabel['role'], ServingModel][] = [];
    for (const [role, run] of [
      ['champion', 'run-a'],
      ['challenger', 'run-b'],
    ] as const) {
      const model = await loadServingModel(
        { uri: `s3://${bucket.name}/models/${run}`, digest: digests[run] },
        { s3: s3Coordinates(), cacheSize: 1000 },
      );
      models.push([role, model]);
    }
    const overlay = new RatingOverlay();
    const offline: OnlineLabel[] = [];
    for (const [k, post] of posted.entries()) {
      for (const [role, model] of models) {
        const item = model.recommender.factors.items.indexOf(post.movieId);
        if (item < 0) continue;
        const servedBy = servedTop.has(post.userId) ? roleForUser(post.userId, SHARE) : undefined;
        offline.push({
          role,
          run: model.manifest.run,
          ...post,
          predicted: predictRating(model.recommender, userProfile(model, overlay, post.userId), item),
          served: servedBy === role,
          hit: servedBy === role && servedTop.get(post.userId)!.includes(post.movieId),
        });
      }
      overlay.add(post.userId, post.movieId, post.rating, k + 1);
      for (const [, model] of models) model.profileCache.delete(post.userId);
    }

    const recorded = logLines
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
    expect(recorded.map(({ predicted, ...rest }) => rest)).toEqual(offline.map(({ predicted, ...rest }) => rest));
    for (const [k, label] of recorded.entries()) expect(label.predicted).toBeCloseTo(offline[k]!.predicted, 9);

    const metrics = await (await fetch(url('/metrics'))).text();
    for (const role of ['champion', 'challenger'] as const) {
      const exposed = figuresFromCounts(onlineCountsFromMetrics(metrics, role));
      const recomputed = figuresFromCounts(countLabels(recorded.filter((l) => l.role === role)));
      expect({ role, labels: exposed.labels, served: exposed.servedRatings, hits: exposed.hits }).toEqual({
        role,
        labels: recomputed.labels,
        served: recomputed.servedRatings,
        hits: recomputed.hits,
      });
      expect(exposed.rmse).toBeCloseTo(recomputed.rmse!, 9);
      // Each model served about half the users, and most of them rated one movie of its list.
      expect(recomputed.hits).toBeGreaterThan(5);
      expect(recomputed.servedRatings).toBeGreaterThan(recomputed.hits);
    }
    const check = spawnSync(promtoolBinary(), ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
    expect(check.stdout + check.stderr).toBe('');
  });
});
