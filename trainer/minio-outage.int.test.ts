/**
 * Reliability drill (issue 7): MinIO dies (SIGKILL) while the trainer uploads the model artifact.
 * The trainer runs as the Job's pod runs it (`movie-reco train`, a child process, configured by
 * the backend Secret's variables). A proxy in front of a private MinIO watches the trainer's
 * requests: once the PUT of model.bin is under way (headers and part of the body forwarded), it
 * holds the rest and kills MinIO, so the outage always falls inside the upload.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from 'minio';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createLogger } from '../common/log.ts';
import { openDataset } from '../data/dataset.ts';
import { MANIFEST_FILE, MODEL_FILE } from '../model/artifact.ts';
import { movielensDir } from '../data/test-files.ts';
import { readArtifact } from '../storage/artifact-store.ts';
import { loadDataset } from '../storage/bulk-load.ts';
import { openDatabase, type Database } from '../storage/database.ts';
import { migrateToLatest } from '../storage/migrations.ts';
import { S3ObjectStore } from '../storage/s3-object-store.ts';
import { getRun } from '../storage/training-runs.ts';
import { resolveGoTool } from '../testenv/binaries.ts';
import { createTestDatabase, testEnv, type TestDatabase } from '../testenv/fixtures.ts';
import { startMinio, type MinioServer } from '../testenv/minio.ts';

const cli = fileURLToPath(new URL('../bin/movie-reco.js', import.meta.url));
const BUCKET = 'artifacts';
const RUN_ID = 'drills/minio-outage';
const MODEL = 'movielens';

/** The pid of the process whose command line holds `argument` (a unique temporary folder). */
function pidWithArgument(argument: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.includes(argument) && !args.some((a) => a.endsWith('leash.ts'))) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no process has ${argument} among its arguments`);
}

interface Trip {
  /** Bytes of the model.bin PUT forwarded to MinIO before it was killed (headers included). */
  forwarded: number;
  contentLength: number;
}

/**
 * A loopback TCP proxy to MinIO that trips once a client sends `PUT <path>`: it forwards the
 * request's headers and `bodyBytes` of its body, stops forwarding, and calls `onTrip`.
 * `outcome()`, asked once the client is done, says whether it tripped and waits for `onTrip` to finish.
 */
class UploadTripwire {
  readonly #target: number;
  readonly #needle: string;
  readonly #bodyBytes: number;
  readonly #onTrip: () => Promise<void>;
  readonly #sockets = new Set<Socket>();
  #server: Server | null = null;
  #trip: Trip | null = null;
  #tripHandled: Promise<void> | null = null;
  port = 0;

  constructor(targetPort: number, path: string, bodyBytes: number, onTrip: () => Promise<void>) {
    this.#target = targetPort;
    this.#needle = `PUT ${path} HTTP/1.1\r\n`;
    this.#bodyBytes = bodyBytes;
    this.#onTrip = onTrip;
  }

  /** null when the PUT never came; otherwise the trip, once `onTrip` has finished (or its error). */
  async outcome(): Promise<Trip | null> {
    await this.#tripHandled;
    return this.#trip;
  }

  async start(): Promise<void> {
    this.#server = createServer((client) => {
      const upstream = connect(this.#target, '127.0.0.1');
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => {});
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      upstream.on('data', (chunk: Buffer) => client.write(chunk));
      // Once the PUT is seen: how many more bytes may pass before the trip.
      let quota: number | null = null;
      let forwarded = 0;
      let contentLength = 0;
      client.on('data', (chunk: Buffer) => {
        if (this.#trip) return;
        let pass = chunk;
        if (quota === null) {
          const text = chunk.toString('latin1');
          const at = text.indexOf(this.#needle);
          if (at < 0) {
            upstream.write(chunk);
            return;
          }
          const headerEnd = text.indexOf('\r\n\r\n', at) + 4;
          contentLength = Number(/\r\ncontent-length: *(\d+)/i.exec(text.slice(at, headerEnd))?.[1] ?? 0);
          quota = headerEnd - at + Math.min(this.#bodyBytes, Math.floor(contentLength / 2));
          upstream.write(chunk.subarray(0, at));
          pass = chunk.subarray(at);
        }
        const now = pass.subarray(0, quota - forwarded);
        upstream.write(now);
        forwarded += now.length;
        if (forwarded >= quota) {
          client.pause();
          this.#trip = { forwarded, contentLength };
          this.#tripHandled = this.#onTrip();
        }
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server!.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}

describe('MinIO killed while the trainer uploads the artifact', () => {
  const log = createLogger({}, { write: () => {} });
  let dir: string;
  let minioBinary: string;
  let minio: MinioServer;
  let database: TestDatabase;
  let db: Database;
  let tripwire: UploadTripwire;
  let killedAt = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(testEnv('MOVIE_RECO_TEST_ENV_DIR'), 'minio-drill-'));
    minioBinary = (await resolveGoTool('minio', log)).path;
    minio = await startMinio(minioBinary, dir);
    await minioClient(minio).makeBucket(BUCKET);
    database = await createTestDatabase('minio_drill');
    db = await openDatabase(database.url);
    await migrateToLatest(db);
    await loadDataset(db, await openDataset(join(movielensDir(), 'ml-100k')), { batches: 1 });
    tripwire = new UploadTripwire(
      minio.port,
      `/${BUCKET}/models/${MODEL}/${RUN_ID}/${MODEL_FILE}`,
      64 * 1024,
      async () => {
        killedAt = performance.now();
        process.kill(pidWithArgument(join(dir, 'minio-data')), 'SIGKILL');
        await minio.process.exited;
      },
    );
    await tripwire.start();
  }, 120_000);

  afterAll(async () => {
    await tripwire?.stop();
    await minio?.process.stop();
    await db?.close();
    await database?.drop();
  });

  it('fails the run in MySQL naming the object store, exits non-zero with a termination message, and leaves no loadable artifact', async () => {
    const terminationFile = join(dir, 'termination-log');
    const started = performance.now();
    const trainer = spawn(process.execPath, [cli, 'train', '--algorithm', 'svd', '--factors', '32', '--epochs', '5'], {
      // What the Job's pod gets: the backend Secret's variables, and the run's own.
      env: {
        PATH: process.env.PATH,
        MOVIE_RECO_DATABASE_URL: database.url,
        MOVIE_RECO_ARTIFACT_STORE: `s3://${BUCKET}/models`,
        MOVIE_RECO_S3_ENDPOINT: `http://127.0.0.1:${tripwire.port}`,
        MOVIE_RECO_S3_ACCESS_KEY: minio.accessKey,
        MOVIE_RECO_S3_SECRET_KEY: minio.secretKey,
        MOVIE_RECO_MODEL: MODEL,
        MOVIE_RECO_RUN_ID: RUN_ID,
        TERMINATION_MESSAGE_PATH: terminationFile,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    trainer.stdout.on('data', (chunk) => (stdout += chunk));
    trainer.stderr.on('data', (chunk) => (stderr += chunk));
    onTestFinished(() => {
      if (trainer.exitCode === null && trainer.signalCode === null) trainer.kill('SIGKILL');
    });
    const exitCode = await new Promise<number | null>((resolve) => trainer.on('exit', (code) => resolve(code)));
    const exitedAt = performance.now();
    // The trainer is gone, so no PUT can still come: either the tripwire tripped (then MinIO's
    // death is awaited, however long a busy machine takes to reap it) or it never will.
    const trip = await tripwire.outcome();

    // main's one-line reason, beside the JSON log lines (written by another path: order not guaranteed).
    const reasonLine = stderr.split('\n').find((line) => line.startsWith('movie-reco train: ')) ?? '';
    const termination = JSON.parse(readFileSync(terminationFile, 'utf8')) as {
      phase: string;
      reason: string;
      runId: string;
    };
    const run = await getRun(db, RUN_ID);

    // MinIO back on the same data folder: is anything of the run readable?
    const restartStarted = performance.now();
    minio = await startMinio(minioBinary, dir, minio);
    const restartSeconds = (performance.now() - restartStarted) / 1000;
    const store = new S3ObjectStore(`s3://${BUCKET}/models`, {
      endpoint: minio.endpoint,
      accessKey: minio.accessKey,
      secretKey: minio.secretKey,
    });
    const left = await store.list(`${MODEL}/${RUN_ID}/`);
    const read = await readArtifact(store, `${MODEL}/${RUN_ID}`).then(
      () => 'loaded',
      (error: Error) => `${error.name}: ${error.message}`,
    );

    console.log(
      `minio drill: trainer ran ${((exitedAt - started) / 1000).toFixed(1)} s; MinIO killed after ${trip?.forwarded ?? '?'} bytes of the ` +
        `${trip?.contentLength ?? '?'}-byte model.bin PUT; kill -> trainer exit ${trip ? (exitedAt - killedAt).toFixed(0) : '?'} ms, code ${exitCode}; ` +
        `run ${run?.status}: ${JSON.stringify(run?.message)}; termination message ${JSON.stringify(termination)}; stderr reason ${JSON.stringify(reasonLine)}; ` +
        `MinIO restarted in ${restartSeconds.toFixed(1)} s; objects left under the run: ${JSON.stringify(left.map((o) => `${o.key} (${o.size} B)`))}; reading the artifact: ${read}`,
    );

    expect(trip).not.toBeNull();
    expect(stdout).toBe('');
    expect(exitCode).toBe(1);
    expect(run?.status).toBe('Failed');
    const namesTheStore = new RegExp(`object store s3://${BUCKET}/models`);
    expect(run?.message).toMatch(namesTheStore);
    expect(run?.artifact).toBeNull();
    expect(termination).toMatchObject({ runId: RUN_ID, model: MODEL, phase: 'Failed' });
    expect(termination.reason).toMatch(namesTheStore);
    expect(reasonLine).toMatch(new RegExp(`^movie-reco train: .*object store s3://${BUCKET}/models`));
    // Nothing promotable: no manifest (written last), so no reader can load a half-written artifact.
    expect(left.map((o) => o.key)).not.toContain(`${MODEL}/${RUN_ID}/${MANIFEST_FILE}`);
    expect(read).toMatch(/ObjectNotFoundError: no object .*manifest\.json/);
  }, 60_000);
});

function minioClient(server: MinioServer): Client {
  return new Client({
    endPoint: '127.0.0.1',
    port: server.port,
    useSSL: false,
    accessKey: server.accessKey,
    secretKey: server.secretKey,
  });
}
