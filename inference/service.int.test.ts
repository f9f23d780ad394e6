import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/log.ts';
import {
  createTestDatabase,
  promtoolBinary,
  s3Coordinates,
  type TestBucket,
  type TestDatabase,
} from '../testenv/fixtures.ts';
import { waitFor } from '../testenv/poll.ts';
import type { ErrorBody, UserRecommendations } from './api-shapes.ts';
import { serveConfigFromEnv } from './config.ts';
import { startService, type RunningService } from './service.ts';
import { seedCatalogue } from './testing/catalogue.ts';
import { startReadLoad } from './testing/read-load.ts';
import { bucketWithTestModels, testS3Env, type TestModelRun } from './testing/test-models-bucket.ts';
import { TcpProxy } from './testing/tcp-proxy.ts';

describe('movie-reco serve against MariaDB and MinIO', () => {
  let database: TestDatabase;
  let bucket: TestBucket;
  let proxy: TcpProxy;
  let service: RunningService;
  let digests: Record<TestModelRun, string>;
  const logLines: string[] = [];
  const uriFile = join(mkdtempSync(join(tmpdir(), 'serve-')), 'model');
  let startupDigest: string;

  beforeAll(async () => {
    database = await createTestDatabase('serve');
    ({ bucket, digests } = await bucketWithTestModels('serve'));
    await seedCatalogue(database.url, 120);

    const target = new URL(database.url);
    proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 3306) });
    await proxy.start();
    const proxied = new URL(database.url);
    proxied.port = String(proxy.port);
    proxied.hostname = '127.0.0.1';

    writeFileSync(uriFile, `s3://${bucket.name}/models/run-a\n${digests['run-a']}\n`);
    const config = serveConfigFromEnv({
      MOVIE_RECO_MODEL_URI_FILE: uriFile,
      MOVIE_RECO_DATABASE_URL: proxied.toString(),
      MOVIE_RECO_DATABASE_TIMEOUT_MS: '1500',
      MOVIE_RECO_HOST: '127.0.0.1',
      MOVIE_RECO_PORT: '0',
      MOVIE_RECO_DRAIN_SECONDS: '2',
      MOVIE_RECO_SHUTDOWN_DELAY_SECONDS: '0',
      ...testS3Env(),
      MOVIE_RECO_AUTH_WRITE: 'bearer:writer-token',
    });
    service = await startService(config, createLogger({}, { level: 'debug', write: (line) => logLines.push(line) }));
    startupDigest = await servingDigest();
  });

  afterAll(async () => {
    await service?.stop();
    await proxy?.stop();
    await database?.drop();
    await bucket?.remove();
  });

  const url = (path: string) => `http://127.0.0.1:${service.port}${path}`;
  const postRating = (rating: { userId: number; movieId: number; rating: number }) =>
    fetch(url('/v1/ratings'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer writer-token' },
      body: JSON.stringify(rating),
    });
  const swap = (body: unknown) =>
    fetch(url('/v1/admin/model'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer writer-token' },
      body: JSON.stringify(body),
    });
  const servingDigest = async () => ((await (await fetch(url('/v1/model'))).json()) as { digest: string }).digest;
  /** Each test that needs a given model serving swaps to it first, whatever the tests before it left. */
  const serve = async (run: 'run-a' | 'run-b') => {
    expect((await swap({ uri: `s3://${bucket.name}/models/${run}`, digest: digests[run] })).status).toBe(200);
  };
  const modelLoadFailures = async () =>
    Number(
      /movie_reco_model_loads_total\{result="failure"\} (\d+)/.exec(await (await fetch(url('/metrics'))).text())?.[1] ??
        0,
    );
  const storedRatings = async () => {
    const conn = await mysql.createConnection(database.url);
    try {
      const [rows] = await conn.query('SELECT user_id, movie_id, rating FROM ratings');
      return new Map(
        (rows as { user_id: number; movie_id: number; rating: number }[]).map((r) => [
          `${r.user_id}/${r.movie_id}`,
          Number(r.rating),
        ]),
      );
    } finally {
      await conn.end();
    }
  };

  it('serves the verified model from MinIO with titles from MariaDB', async () => {
    expect(startupDigest).toBe(digests['run-a']);
    const body = (await (await fetch(url('/v1/recommendations?userId=2&n=3'))).json()) as UserRecommendations;
    expect(body.recommendations).toHaveLength(3);
    expect(body.recommendations[0]!.title).toMatch(/^Movie \d+ \(2001\)$/);
  });

  it('acknowledges a rating with 201 only once it is in MySQL', async () => {
    const res = await postRating({ userId: 2, movieId: 7, rating: 4.5 });
    expect(res.status).toBe(201);
    expect((await storedRatings()).get('2/7')).toBe(4.5);
  });

  it('answers 503 while the database is down, loses nothing it acknowledged, and recovers', async () => {
    const acknowledged: string[] = [];
    const refused: string[] = [];
    const statuses = new Set<number>();
    let stop = false;
    const writer = async (user: number) => {
      for (let movie = 1; !stop && movie <= 120; movie++) {
        const res = await postRating({ userId: 1000 + user, movieId: movie, rating: 3 });
        statuses.add(res.status);
        const key = `${1000 + user}/${movie}`;
        if (res.status === 201) acknowledged.push(key);
        else {
          expect(res.status).toBe(503);
          const body = (await res.json()) as ErrorBody;
          expect(body.error.code).toBe('database_unavailable');
          refused.push(key);
        }
      }
    };
    const writers = [1, 2, 3, 4].map(writer);
    await waitFor('ratings acknowledged before the outage', () => acknowledged.length >= 4);
    await proxy.stop();
    await waitFor('ratings refused during the outage', () => refused.length >= 4);
    await proxy.start();
    const acknowledgedBeforeRecovery = acknowledged.length;
    await waitFor(
      'ratings acknowledged after the recovery',
      () => acknowledged.length >= acknowledgedBeforeRecovery + 4,
    );
    stop = true;
    await Promise.all(writers);
    expect(statuses).toEqual(new Set([201, 503]));
    expect(refused.length).toBeGreaterThan(0);
    const stored = await storedRatings();
    const lost = acknowledged.filter((key) => stored.get(key) !== 3);
    expect(lost).toEqual([]);
    // writes succeed again once the database is back
    expect((await postRating({ userId: 3, movieId: 9, rating: 2 })).status).toBe(201);
  }, 30_000);

  it('refuses a corrupt artifact and keeps serving the old model', async () => {
    await serve('run-a');
    const failuresBefore = await modelLoadFailures();
    const res = await swap({ uri: `s3://${bucket.name}/models/run-corrupt` });
    expect(res.status).toBe(422);
    expect(((await res.json()) as ErrorBody).error.code).toBe('artifact_refused');
    expect(await modelLoadFailures()).toBe(failuresBefore + 1);
    expect(await servingDigest()).toBe(digests['run-a']);
    expect((await fetch(url('/v1/recommendations?userId=5'))).status).toBe(200);
  });

  it('swaps models under load without failing a request', async () => {
    await serve('run-a');
    const load = startReadLoad(url(''), 8);
    await waitFor('requests answered before the swap', () => load.answered >= 50);
    await serve('run-b');
    const answeredAtSwap = load.answered;
    await waitFor('requests answered after the swap', () => load.answered >= answeredAtSwap + 50);
    await load.stop();
    expect(load.failures).toEqual([]);
    expect(await servingDigest()).toBe(digests['run-b']);
  });

  it('swaps when the watched model file names another artifact', async () => {
    for (const run of ['run-b', 'run-a'] as const) {
      writeFileSync(uriFile, `s3://${bucket.name}/models/${run}\n${digests[run]}\n`);
      await waitFor(`${run} served from the watched file`, async () => (await servingDigest()) === digests[run]);
    }
  });

  it('exposes metrics that promtool accepts', async () => {
    const text = await (await fetch(url('/metrics'))).text();
    expect(text).toContain('movie_reco_ratings_stored_total');
    expect(text).toMatch(/movie_reco_model_loads_total\{result="success"\} [1-9]/);
    const check = spawnSync(promtoolBinary(), ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('never logs a credential', async () => {
    expect((await postRating({ userId: 4, movieId: 11, rating: 3 })).status).toBe(201);
    await serve('run-b');
    expect(logLines.join('\n')).not.toContain('writer-token');
    expect(logLines.join('\n')).not.toContain(s3Coordinates().secretKey);
  });
});
