import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Container } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../paths.ts';
import { waitFor } from '../poll.ts';
import { ContainerRunner, localCommand } from './container.ts';
import type { RestartPolicy } from './pod-status.ts';

const settings = {
  repoRoot,
  nodeBinary: join(repoRoot, 'node_modules/node/bin/node'),
  graceMs: 2000,
  restartBackoff: { initialMs: 100, maxMs: 400 },
};
const dir = mkdtempSync(join(tmpdir(), 'container-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function container(spec: Partial<V1Container>, restartPolicy: RestartPolicy = 'Never') {
  const podDir = mkdtempSync(join(dir, 'pod-'));
  const events: string[] = [];
  const runner = new ContainerRunner({
    pod: { metadata: { name: 'p', namespace: 'n', uid: 'uid-1' }, spec: { containers: [] } },
    container: { name: 'main', image: 'movie-reco:1', ...spec },
    podIP: '127.0.1.250',
    hostIP: '127.0.0.1',
    podDir,
    restartPolicy,
    sources: { secret: async () => undefined, configMap: async () => ({ GREETING: 'hello' }) },
    settings,
    onChange: () => {},
    event: (_type, reason) => events.push(reason),
  });
  return { runner, events };
}

describe('a container run as a local process', () => {
  it('maps the image entrypoint and node to this repository and Node 24; refuses anything else', () => {
    expect(localCommand({ name: 'c', args: ['serve'] }, {}, settings)).toEqual([
      settings.nodeBinary,
      join(repoRoot, 'bin/movie-reco.js'),
      'serve',
    ]);
    expect(localCommand({ name: 'c', command: ['movie-reco', '--run', '$(RUN)'] }, { RUN: 'r1' }, settings)).toEqual([
      settings.nodeBinary,
      join(repoRoot, 'bin/movie-reco.js'),
      '--run',
      'r1',
    ]);
    expect(localCommand({ name: 'c', command: ['node', '-e', '1'] }, {}, settings)).toEqual([
      settings.nodeBinary,
      '-e',
      '1',
    ]);
    expect(localCommand({ name: 'c', command: ['sh', '-c', 'true'] }, {}, settings)).toMatch(
      /exec: "sh": executable file not found/,
    );
  });

  it('reports the exit status and the termination message file, with the pod environment', async () => {
    const script =
      "require('fs').writeFileSync(process.env.TERMINATION_MESSAGE_PATH, " +
      "process.env.GREETING + ' from ' + process.env.MOVIE_RECO_HOST + ' ' + process.version); process.exit(3)";
    const { runner } = container({
      command: ['node', '-e', script],
      envFrom: [{ configMapRef: { name: 'cm' } }],
      env: [{ name: 'TERMINATION_MESSAGE_PATH', value: '/dev/termination-log' }],
    });
    runner.start();
    const terminated = await waitFor('the container terminated', () => runner.status().state.terminated);
    const [, minor, patch] = process.versions.node.split('.');
    expect(terminated).toMatchObject({
      exitCode: 3,
      reason: 'Error',
      message: `hello from 127.0.1.250 v24.${minor}.${patch}`,
    });
  });

  it('restarts under restartPolicy Always with backoff, and stops with SIGTERM for good', async () => {
    const { runner, events } = container(
      { command: ['node', '-e', 'console.log("up"); setTimeout(() => process.exit(1), 100)'] },
      'Always',
    );
    runner.start();
    await waitFor('two restarts', () => runner.status().restartCount >= 2);
    expect(runner.status().lastState.terminated?.exitCode).toBe(1);
    expect(events).toContain('BackOff');
    await runner.stop();
    const count = runner.status().restartCount;
    // Longer than the longest backoff (400 ms): a restart still pending would have happened.
    await sleep(600);
    expect(runner.status().restartCount).toBe(count);
  });

  it('gives a process that ignores SIGTERM the grace period, then SIGKILL', async () => {
    const { runner } = container({
      command: [
        'node',
        '-e',
        'process.on("SIGTERM", () => console.log("ignored")); console.log("handler on"); setInterval(() => {}, 1000)',
      ],
    });
    runner.start();
    await waitFor(
      'the SIGTERM handler installed',
      () => existsSync(runner.logFile) && readFileSync(runner.logFile, 'utf8').includes('handler on'),
    );
    const started = Date.now();
    await runner.stop();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(runner.status().state.terminated).toMatchObject({ exitCode: 137, signal: 9 });
    expect(readFileSync(runner.logFile, 'utf8')).toContain('ignored');
  });
});
