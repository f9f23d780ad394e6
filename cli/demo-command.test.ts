import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openObjectStore } from '../storage/open-object-store.ts';
import { readArtifact } from '../storage/artifact-store.ts';
import { freePort } from '../testenv/ports.ts';

const run = promisify(execFile);
const bin = join(import.meta.dirname, '..', 'bin', 'movie-reco.js');
const workdir = await mkdtemp(join(tmpdir(), 'movie-reco-demo-'));
afterAll(() => rm(workdir, { recursive: true, force: true }));

describe('movie-reco demo (the quickstart job)', () => {
  it('loads, trains, evaluates and leaves a verifiable artifact, with no server', async () => {
    const { stdout, stderr } = await run(
      process.execPath,
      [bin, 'demo', '--dataset', 'ml-100k', '--workdir', workdir, '--algorithm', 'svd', '--epochs', '10'],
      {
        maxBuffer: 1 << 24,
      },
    );
    expect(stdout).toMatch(/ml-100k: 100000 ratings, 943 users, 1682 movies/);
    const rmse = Number(/RMSE\s+([\d.]+)/.exec(stdout)?.[1]);
    expect(rmse).toBeGreaterThan(0.8);
    expect(rmse).toBeLessThan(1.0);
    const digest = /digest\s+(sha256:[0-9a-f]{64})/.exec(stdout)?.[1];
    const store = openObjectStore(join(workdir, 'artifacts'));
    const [run_] = await readdir(join(workdir, 'artifacts', 'movielens'));
    const loaded = await readArtifact(store, `movielens/${run_}`, digest);
    expect(loaded.manifest.dataSnapshot.ratings).toBe(100_000);
    // Not a terminal: the log stays JSON lines, one per record.
    for (const line of stderr.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();

    const serveLine = stdout.split('\n').find((line) => line.includes('npx movie-reco serve'));
    const env = Object.fromEntries([...(serveLine ?? '').matchAll(/(MOVIE_RECO_\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
    expect(env.MOVIE_RECO_MODEL_URI).toBe(store.uriOf(`movielens/${run_}`));
    const port = await freePort();
    const serve = spawn(process.execPath, [bin, 'serve'], {
      env: { ...process.env, ...env, MOVIE_RECO_HOST: '127.0.0.1', MOVIE_RECO_PORT: String(port) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      for await (const line of createInterface({ input: serve.stderr })) {
        if (JSON.parse(line).msg === 'model serving') break;
      }
      const answer = await fetch(`http://127.0.0.1:${port}/v1/recommendations?userId=1&n=3`);
      expect(answer.status).toBe(200);
      const body = (await answer.json()) as { recommendations: unknown[] };
      expect(body.recommendations).toHaveLength(3);
    } finally {
      serve.kill('SIGTERM');
      await once(serve, 'exit');
    }
  });
});
