/**
 * Reliability drill (issue 7): MariaDB dies (SIGKILL, a crash) while ratings are being posted.
 * The service must answer 503 JSON with Retry-After while it is gone (every writer is answered
 * before MariaDB comes back: nothing hangs), recover once MariaDB restarts on the same data folder,
 * and every rating it acknowledged with 201 must be in the table afterwards.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/log.ts';
import { writeArtifact } from '../storage/artifact-store.ts';
import { LocalObjectStore } from '../storage/local-object-store.ts';
import { testEnv } from '../testenv/fixtures.ts';
import { waitFor } from '../testenv/poll.ts';
import { startPrivateMariaDb, type PrivateMariaDb } from '../testenv/mariadb.ts';
import { serveConfigFromEnv } from './config.ts';
import { startService, type RunningService } from './service.ts';
import { seedCatalogue } from './testing/catalogue.ts';
import { smallArtifact } from './testing/small-model.ts';

const DATABASE_TIMEOUT_MS = 2000;
const WRITERS = 8;
const MOVIES = 120;

interface Posted {
  userId: number;
  movieId: number;
  rating: number;
  sentAt: number;
  answeredAt: number;
  status: number;
  id?: number;
  code?: string;
  retryAfter?: string | null;
}

describe('MariaDB killed while ratings are posted', () => {
  const logLines: string[] = [];
  let dir: string;
  let mariadb: PrivateMariaDb;
  let service: RunningService;
  let databaseUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(testEnv('MOVIE_RECO_TEST_ENV_DIR'), 'mariadb-drill-'));
    // Durable commits, as the chart's MySQL (and MySQL's defaults) have: a crash keeps what was committed.
    mariadb = await startPrivateMariaDb(dir, { durability: 'durable' });
    const admin = await mysql.createConnection(mariadb.url);
    await admin.query('CREATE DATABASE drill CHARACTER SET utf8mb4');
    await admin.end();
    databaseUrl = `${mariadb.url}/drill`;
    await seedCatalogue(databaseUrl, MOVIES);

    const models = mkdtempSync(join(dir, 'models-'));
    const stored = await writeArtifact(new LocalObjectStore(models), 'run-a', await smallArtifact('run-a'));
    const config = serveConfigFromEnv({
      MOVIE_RECO_MODEL_URI: join(models, 'run-a'),
      MOVIE_RECO_MODEL_DIGEST: stored.digest,
      MOVIE_RECO_DATABASE_URL: databaseUrl,
      MOVIE_RECO_DATABASE_TIMEOUT_MS: String(DATABASE_TIMEOUT_MS),
      MOVIE_RECO_HOST: '127.0.0.1',
      MOVIE_RECO_PORT: '0',
      MOVIE_RECO_DRAIN_SECONDS: '2',
      MOVIE_RECO_PRECOMPUTE: 'false',
      MOVIE_RECO_AUTH_WRITE: 'bearer:writer-token',
    });
    service = await startService(config, createLogger({}, { write: (line) => logLines.push(line) }));
  }, 120_000);

  afterAll(async () => {
    await service?.stop();
    await mariadb?.process.stop();
  });

  it('answers 503 with Retry-After while down, recovers after the restart, loses no acknowledged rating', async () => {
    const url = `http://127.0.0.1:${service.port}/v1/ratings`;
    const posted: Posted[] = [];
    let counter = 0;
    let stop = false;
    const post = async (): Promise<void> => {
      // Every rating is a new (user, movie) pair, so none replaces another.
      const k = counter++;
      const rating = { userId: 20_000 + Math.floor(k / MOVIES), movieId: 1 + (k % MOVIES), rating: 0.5 + (k % 10) / 2 };
      const sentAt = performance.now();
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer writer-token' },
        body: JSON.stringify(rating),
      });
      const body = (await res.json()) as { id?: number; error?: { code: string } };
      posted.push({
        ...rating,
        sentAt,
        answeredAt: performance.now(),
        status: res.status,
        id: body.id,
        code: body.error?.code,
        retryAfter: res.headers.get('retry-after'),
      });
    };
    const writer = async () => {
      while (!stop) await post();
    };
    const writers = Array.from({ length: WRITERS }, writer);
    const acknowledgedSoFar = () => posted.filter((p) => p.status === 201).length;

    await waitFor('ratings acknowledged before the kill', () => acknowledgedSoFar() >= 20);
    const before = acknowledgedSoFar();
    const pid = Number(readFileSync(mariadb.pidFile, 'utf8').trim());
    const killedAt = performance.now();
    process.kill(pid, 'SIGKILL');
    await mariadb.process.exited;

    // Each writer answered while MariaDB is down: a request waiting on the dead server would hold its writer.
    await waitFor(
      'a 503 for every writer while MariaDB is down',
      () => posted.filter((p) => p.status === 503 && p.sentAt >= killedAt).length >= WRITERS,
    );
    const restartStarted = performance.now();
    mariadb = await startPrivateMariaDb(dir, { port: mariadb.port, durability: 'durable' });
    const restartedAt = performance.now();
    await waitFor(
      'ratings acknowledged after the restart',
      () => posted.filter((p) => p.status === 201 && p.sentAt > restartedAt).length >= 20,
    );
    stop = true;
    await Promise.all(writers);

    const acknowledged = posted.filter((p) => p.status === 201);
    const refused = posted.filter((p) => p.status !== 201);
    const firstRefusal = posted
      .filter((p) => p.status === 503 && p.answeredAt >= killedAt)
      .sort((a, b) => a.answeredAt - b.answeredAt)[0];
    const firstAckAfterRestart = acknowledged
      .filter((p) => p.sentAt > restartedAt)
      .sort((a, b) => a.answeredAt - b.answeredAt)[0];
    const slowest = Math.max(...posted.map((p) => p.answeredAt - p.sentAt));
    const duringOutage = posted.filter((p) => p.sentAt >= killedAt && p.sentAt < restartedAt);

    const conn = await mysql.createConnection(databaseUrl);
    const [rows] = await conn.query('SELECT id, user_id, movie_id, rating FROM ratings');
    await conn.end();
    const stored = new Map(
      (rows as { id: number; user_id: number; movie_id: number; rating: number }[]).map((r) => [
        `${r.user_id}/${r.movie_id}`,
        r,
      ]),
    );
    const lost = acknowledged.filter((p) => {
      const row = stored.get(`${p.userId}/${p.movieId}`);
      return !row || Number(row.id) !== p.id || Number(row.rating) !== p.rating;
    });
    const refusedButStored = refused.filter((p) => stored.has(`${p.userId}/${p.movieId}`)).length;

    console.log(
      `mariadb drill: ${posted.length} ratings posted by ${WRITERS} writers; ` +
        `${acknowledged.length} acknowledged (${before} before the kill), ` +
        `${refused.length} refused with 503 (${duringOutage.length} sent while MariaDB was down); ` +
        `kill -> first 503: ${firstRefusal ? (firstRefusal.answeredAt - killedAt).toFixed(0) : 'n/a'} ms; ` +
        `restart took ${(restartedAt - restartStarted).toFixed(0)} ms; restart -> first 201: ` +
        `${firstAckAfterRestart ? (firstAckAfterRestart.answeredAt - restartedAt).toFixed(0) : 'n/a'} ms; ` +
        `slowest answer ${slowest.toFixed(0)} ms (database timeout ${DATABASE_TIMEOUT_MS} ms); ` +
        `stored ${stored.size}: acknowledged and stored ${acknowledged.length - lost.length}, lost ${lost.length}; ` +
        `refused but committed anyway ${refusedButStored}`,
    );

    expect(before).toBeGreaterThan(0);
    expect(new Set(posted.map((p) => p.status))).toEqual(new Set([201, 503]));
    for (const p of refused) {
      expect(p.code).toBe('database_unavailable');
      expect(p.retryAfter).toMatch(/^\d+$/);
    }
    expect(firstRefusal).toBeDefined();
    expect(firstAckAfterRestart).toBeDefined();
    expect(lost).toEqual([]);
    expect(logLines.some((line) => line.includes('"unhandled error"'))).toBe(false);
  }, 60_000);
});
