import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openObjectStore } from '../storage/open-object-store.ts';
import { readArtifact } from '../storage/artifact-store.ts';

const run = promisify(execFile);
const bin = join(import.meta.dirname, '..', 'bin', 'movie-reco.js');
const workdir = await mkdtemp(join(tmpdir(), 'movie-reco-demo-'));
afterAll(() => rm(workdir, { recursive: true, force: true }));

describe('movie-reco demo (the quickstart job)', () => {
  it('loads, trains, evaluates and leaves a verifiable artifact, with no server', async () => {
    const { stdout } = await run(
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
  });
});
