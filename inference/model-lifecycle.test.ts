import { mkdtempSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/log.ts';
import { writeArtifact } from '../storage/artifact-store.ts';
import { LocalObjectStore } from '../storage/local-object-store.ts';
import { waitFor } from '../testenv/poll.ts';
import type { ErrorBody, ServedModel, UserRecommendations } from './api-shapes.ts';
import { openAuth, parseCredentialList } from './auth.ts';
import { createApp } from './app.ts';
import { createServiceMetrics } from './metrics.ts';
import { ModelHolder } from './model-holder.ts';
import { loadServingModel, splitArtifactUri } from './model-loader.ts';
import { listen, type RunningServer } from './server.ts';
import { smallArtifact } from './testing/small-model.ts';

describe('splitArtifactUri', () => {
  it('splits the artifact folder from its store', () => {
    expect(splitArtifactUri('s3://bucket/models/run-1')).toEqual({ storeUri: 's3://bucket/models', prefix: 'run-1' });
    expect(splitArtifactUri('s3://bucket/run-1/')).toEqual({ storeUri: 's3://bucket', prefix: 'run-1' });
    expect(splitArtifactUri('/var/models/run-1')).toEqual({ storeUri: '/var/models', prefix: 'run-1' });
    expect(splitArtifactUri('file:///run-1')).toEqual({ storeUri: 'file:///', prefix: 'run-1' });
    expect(() => splitArtifactUri('s3://bucket')).toThrow(/artifact folder/);
  });
});

describe('model lifecycle on a local artifact store', () => {
  const root = mkdtempSync(join(tmpdir(), 'models-'));
  const log = createLogger({}, { write: () => {} });
  const metrics = createServiceMetrics({ defaultMetrics: false });
  const holder = new ModelHolder((source) => loadServingModel(source, { cacheSize: 1000 }), metrics, log);
  let server: RunningServer;
  let a: { digest: string };
  let b: { digest: string };

  beforeAll(async () => {
    const store = new LocalObjectStore(root);
    a = await writeArtifact(store, 'run-a', await smallArtifact('run-a', 1));
    b = await writeArtifact(store, 'run-b', await smallArtifact('run-b', 2));
    await writeArtifact(store, 'run-corrupt', await smallArtifact('run-corrupt', 3));
    const bin = join(root, 'run-corrupt', 'model.bin');
    const bytes = await readFile(bin);
    bytes[bytes.length - 5]! ^= 0xff;
    await writeFile(bin, bytes);
    await holder.swap({ uri: join(root, 'run-a'), digest: a.digest });
    server = await listen(
      createApp({ holder, metrics, log, auth: { ...openAuth, admin: parseCredentialList(['bearer:admin-token']) } }),
      '127.0.0.1',
      0,
      log,
    );
  });
  afterAll(() => server.drain(1));

  const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;
  const swap = (body: unknown, token = 'admin-token') =>
    fetch(url('/v1/admin/model'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });

  it('refuses swaps without the admin credential', async () => {
    expect((await swap({ uri: join(root, 'run-b') }, 'wrong')).status).toBe(401);
    expect(((await (await fetch(url('/v1/model'))).json()) as ServedModel).digest).toBe(a.digest);
  });

  it('refuses a corrupt artifact and a wrong digest, and keeps serving the old model', async () => {
    const corrupt = await swap({ uri: join(root, 'run-corrupt') });
    expect(corrupt.status).toBe(422);
    expect(((await corrupt.json()) as ErrorBody).error.message).toMatch(/sha256 .* does not match/);
    const wrongDigest = await swap({ uri: join(root, 'run-b'), digest: a.digest });
    expect(wrongDigest.status).toBe(422);
    const missing = await swap({ uri: join(root, 'run-missing') });
    expect(missing.status).toBe(502);
    expect(((await (await fetch(url('/v1/model'))).json()) as ServedModel).digest).toBe(a.digest);
    expect((await fetch(url('/v1/recommendations?userId=1'))).status).toBe(200);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/movie_reco_model_loads_total\{result="failure"\} 3/);
  });

  it('swaps under load without failing a request', async () => {
    let stop = false;
    const statuses: number[] = [];
    const digests = new Set<string>();
    const client = async () => {
      for (let k = 0; !stop; k++) {
        const res = await fetch(url(`/v1/recommendations?userId=${1 + (k % 250)}&n=10`));
        statuses.push(res.status);
        digests.add(((await res.json()) as UserRecommendations).model.digest);
      }
    };
    const clients = Array.from({ length: 8 }, client);
    // Each swap lands while requests are in flight: some answered before it, some after.
    const answeredAfter = (count: number) => waitFor(`${count} requests answered`, () => statuses.length >= count);
    await answeredAfter(50);
    expect((await swap({ uri: join(root, 'run-b'), digest: b.digest })).status).toBe(200);
    await answeredAfter(statuses.length + 50);
    expect((await swap({ uri: join(root, 'run-a') })).status).toBe(200);
    await answeredAfter(statuses.length + 50);
    stop = true;
    await Promise.all(clients);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(digests).toEqual(new Set([a.digest, b.digest]));
  });
});

describe('graceful drain', () => {
  it('finishes the request in flight, refuses new connections, then closes', async () => {
    const log = createLogger({}, { write: () => {} });
    const Koa = (await import('koa')).default;
    const app = new Koa();
    let handling = false;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    app.use(async (ctx) => {
      handling = true;
      await finished;
      ctx.body = { done: true };
    });
    const server = await listen(app, '127.0.0.1', 0, log);
    const inFlight = fetch(`http://127.0.0.1:${server.port}/slow`);
    await waitFor('the request in flight', () => handling);
    const drained = server.drain(5);
    finish();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    await drained;
    await expect(fetch(`http://127.0.0.1:${server.port}/slow`)).rejects.toThrow();
  });
});
