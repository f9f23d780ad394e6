/**
 * Reliability drill (issue 7): the champion's model.bin is corrupted in MinIO after an inference
 * instance loaded it. A new instance (`movie-reco serve`, as the pod runs it) must refuse the
 * artifact: never ready, a log naming the digest mismatch, a non-zero exit. The instance already
 * serving keeps answering 200, and refuses (422) a reload of the corrupted artifact.
 */
import { spawn } from 'node:child_process';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/log.ts';
import { MODEL_FILE } from '../model/artifact.ts';
import { writeArtifact } from '../storage/artifact-store.ts';
import { openObjectStore } from '../storage/open-object-store.ts';
import { createTestBucket, s3Coordinates, type TestBucket } from '../testenv/fixtures.ts';
import { waitFor } from '../testenv/poll.ts';
import { serveConfigFromEnv } from './config.ts';
import { startService, type RunningService } from './service.ts';
import { smallArtifact } from './testing/small-model.ts';
import { startReadLoad } from './testing/read-load.ts';
import { testS3Env } from './testing/test-models-bucket.ts';

const cli = fileURLToPath(new URL('../bin/movie-reco.js', import.meta.url));

/** A TCP proxy that accepts connections but connects them to the target only once released. */
class GatedProxy {
  readonly #target: { host: string; port: number };
  readonly #sockets = new Set<Socket>();
  #server: Server | null = null;
  #released = false;
  #waiting: (() => void)[] = [];
  held = 0;
  port = 0;

  constructor(target: { host: string; port: number }) {
    this.#target = target;
  }

  async start(): Promise<void> {
    this.#server = createServer((client) => {
      client.pause();
      this.#sockets.add(client);
      client.on('close', () => this.#sockets.delete(client));
      client.on('error', () => {});
      const open = () => {
        const upstream = connect(this.#target.port, this.#target.host);
        this.#sockets.add(upstream);
        upstream.on('close', () => this.#sockets.delete(upstream));
        upstream.on('error', () => {});
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        client.resume();
      };
      if (this.#released) open();
      else {
        this.held++;
        this.#waiting.push(open);
      }
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server!.address() as AddressInfo).port;
  }

  release(): void {
    this.#released = true;
    for (const open of this.#waiting.splice(0)) open();
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}

describe('a corrupted champion artifact', () => {
  let bucket: TestBucket;
  let serving: RunningService;
  let proxy: GatedProxy;
  let digest: string;
  const servingLog: string[] = [];
  const uri = () => `s3://${bucket.name}/models/run-x`;

  beforeAll(async () => {
    bucket = await createTestBucket('corrupt');
    const s3 = s3Coordinates();
    digest = (
      await writeArtifact(
        openObjectStore(`s3://${bucket.name}/models`, { s3 }),
        'run-x',
        await smallArtifact('run-x', 5),
      )
    ).digest;
    serving = await startService(
      serveConfigFromEnv({
        MOVIE_RECO_MODEL_URI: uri(),
        MOVIE_RECO_MODEL_DIGEST: digest,
        MOVIE_RECO_HOST: '127.0.0.1',
        MOVIE_RECO_PORT: '0',
        MOVIE_RECO_DRAIN_SECONDS: '1',
        ...testS3Env(),
        MOVIE_RECO_AUTH_ADMIN: 'bearer:admin-token',
      }),
      createLogger({}, { write: (line) => servingLog.push(line) }),
    );
    const endpoint = new URL(s3.endpoint);
    proxy = new GatedProxy({ host: endpoint.hostname, port: Number(endpoint.port) });
    await proxy.start();
  });

  afterAll(async () => {
    await serving?.stop();
    await proxy?.stop();
    await bucket?.remove();
  });

  it('is refused by a new instance, while the one serving it keeps answering and refuses to reload it', async () => {
    const base = `http://127.0.0.1:${serving.port}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    // Corrupt X's model.bin in place: same size, 4 KiB of its middle overwritten.
    await bucket.rewrite(`models/run-x/${MODEL_FILE}`, (bytes) => {
      const middle = Math.floor(bytes.length / 2);
      for (let k = 0; k < 4096 && middle + k < bytes.length; k++)
        bytes[middle + k] = (bytes[middle + k]! + 1 + (k % 251)) & 0xff;
    });

    // Load on the serving instance for the whole drill.
    const load = startReadLoad(base, 4);
    const { statuses } = load;

    // A new instance on X, as a rollout or a restarted pod would start it. Its object store
    // connections are held until it has been asked whether it is ready.
    const s3 = s3Coordinates();
    const started = performance.now();
    const fresh = spawn(process.execPath, [cli, 'serve'], {
      env: {
        PATH: process.env.PATH,
        MOVIE_RECO_MODEL_URI: uri(),
        MOVIE_RECO_MODEL_DIGEST: digest,
        MOVIE_RECO_HOST: '127.0.0.1',
        MOVIE_RECO_PORT: '0',
        MOVIE_RECO_S3_ENDPOINT: `http://127.0.0.1:${proxy.port}`,
        MOVIE_RECO_S3_ACCESS_KEY: s3.accessKey,
        MOVIE_RECO_S3_SECRET_KEY: s3.secretKey,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    fresh.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => fresh.on('exit', (code) => resolve(code)));
    await waitFor('the fresh replica listening', () => /"msg":"listening"/.test(stderr));
    const freshPort = Number(/"msg":"listening".*?"port":(\d+)/.exec(stderr)?.[1]);
    const readyWhileLoading = await fetch(`http://127.0.0.1:${freshPort}/readyz`);
    const readyBody = await readyWhileLoading.json();
    const liveWhileLoading = (await fetch(`http://127.0.0.1:${freshPort}/healthz`)).status;
    proxy.release();
    const code = await Promise.race([exited, sleep(20_000).then(() => 'timeout' as const)]);
    const refusedAfter = performance.now() - started;
    if (code === 'timeout') fresh.kill('SIGKILL');
    const freshReadyAfterwards = await fetch(`http://127.0.0.1:${freshPort}/readyz`).then(
      (r) => r.status,
      () => 'connection refused',
    );

    // The serving instance is asked to reload X: it must refuse and keep what it has.
    const reload = await fetch(`${base}/v1/admin/model`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer admin-token' },
      body: JSON.stringify({ uri: uri(), digest }),
    });
    const reloadBody = (await reload.json()) as { error: { code: string; message: string } };
    const answeredByReload = load.answered;
    await waitFor('load answered after the refused reload', () => load.answered >= answeredByReload + 20);
    await load.stop();
    const model = (await (await fetch(`${base}/v1/model`)).json()) as { digest: string };
    const servingReady = (await fetch(`${base}/readyz`)).status;

    const failure = stderr.split('\n').find((line) => line.includes('model load failed')) ?? '';
    // main's one-line reason (the pod's termination message falls back to the log's tail); the
    // JSON log lines and it are written by different paths, so it need not be the last line.
    const reason = stderr.split('\n').find((line) => line.startsWith('movie-reco serve: ')) ?? '';
    console.log(
      `corrupt champion drill: new instance /readyz while loading ${readyWhileLoading.status} ` +
        `${JSON.stringify(readyBody)}, /healthz ${liveWhileLoading}; ` +
        `it refused the artifact and exited with code ${code} ${refusedAfter.toFixed(0)} ms after start ` +
        `(then /readyz: ${freshReadyAfterwards}); its log: ${JSON.stringify(failure)}; ` +
        `its reason: ${JSON.stringify(reason)}; ` +
        `serving instance: reload -> ${reload.status} ${JSON.stringify(reloadBody)}, ` +
        `statuses under load ${JSON.stringify(Object.fromEntries(statuses))}, ` +
        `still serving ${model.digest === digest ? 'X (its verified copy in memory)' : model.digest}, ` +
        `/readyz ${servingReady}`,
    );

    expect(proxy.held).toBeGreaterThan(0);
    expect(readyWhileLoading.status).toBe(503);
    expect(readyBody).toMatchObject({ ready: false, model: null });
    expect(code).toBe(1);
    expect(freshReadyAfterwards).toBe('connection refused');
    expect(failure).toMatch(/"refused":true/);
    expect(failure).toMatch(/model\.bin sha256 [0-9a-f]{64} does not match the manifest's [0-9a-f]{64}/);
    expect(failure).toMatch(/"msg":"model load failed; no model is serving"/);
    expect(reason).toMatch(
      /^movie-reco serve: artifact refused: model\.bin sha256 [0-9a-f]{64} does not match the manifest's/,
    );

    expect(reload.status).toBe(422);
    expect(reloadBody.error.code).toBe('artifact_refused');
    expect(reloadBody.error.message).toMatch(
      /model\.bin sha256 .* does not match the manifest's .*; still serving run-x/,
    );
    expect([...statuses.keys()]).toEqual([200]);
    expect(statuses.get(200)).toBeGreaterThan(50);
    expect(model.digest).toBe(digest);
    expect(servingReady).toBe(200);
  }, 60_000);
});
