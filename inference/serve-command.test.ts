import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeArtifact } from '../storage/artifact-store.ts';
import { LocalObjectStore } from '../storage/local-object-store.ts';
import { waitFor } from '../testenv/poll.ts';
import { smallArtifact } from './testing/small-model.ts';

const node = process.execPath;
const entry = resolve(import.meta.dirname, 'bench/serve-process.ts');

describe('movie-reco serve (process)', () => {
  it('refuses to start with a clear message when the configuration is wrong', async () => {
    const child = spawn(node, [entry], {
      env: { PATH: process.env.PATH, MOVIE_RECO_PORT: 'x' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/MOVIE_RECO_PORT: must be an integer/);
    expect(stderr).toMatch(/MOVIE_RECO_MODEL_URI/);
  });

  it('on SIGTERM fails readiness, answers with Connection: close for the shutdown delay, drains, exits 0', async () => {
    const root = mkdtempSync(join(tmpdir(), 'serve-'));
    const stored = await writeArtifact(new LocalObjectStore(root), 'run-a', await smallArtifact('run-a'));
    const child = spawn(node, [entry], {
      env: {
        PATH: process.env.PATH,
        MOVIE_RECO_MODEL_URI: join(root, 'run-a'),
        MOVIE_RECO_MODEL_DIGEST: stored.digest,
        MOVIE_RECO_HOST: '127.0.0.1',
        MOVIE_RECO_PORT: '0',
        MOVIE_RECO_DRAIN_SECONDS: '3',
        MOVIE_RECO_SHUTDOWN_DELAY_SECONDS: '2',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const lines: Record<string, unknown>[] = [];
    let buffered = '';
    child.stderr.on('data', (chunk) => {
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      for (const part of parts) lines.push(JSON.parse(part));
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await waitFor('the model serving', () => lines.some((l) => l.msg === 'model serving'));
    const port = lines.find((l) => l.msg === 'listening')!.port as number;
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/v1/recommendations?userId=3`)).status).toBe(200);
    child.kill('SIGTERM');
    await waitFor('readiness failing before closing', () =>
      lines.some((l) => l.msg === 'failing readiness before closing'),
    );
    const readiness = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toMatchObject({ ready: false, draining: true });
    const during = await fetch(`http://127.0.0.1:${port}/v1/recommendations?userId=3`);
    expect(during.status).toBe(200);
    expect(during.headers.get('connection')).toBe('close');
    expect(await exited).toBe(0);
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['draining', 'stopped']));
  }, 30_000);
});
