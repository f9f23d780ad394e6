/**
 * The test environment run by hand: `up` starts a detached supervisor process (`serve`) that owns
 * the servers and records their coordinates in a state file; `down` stops it and waits until every
 * process and the temporary folder are gone.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../common/log.ts';
import { startTestEnvironment } from './environment.ts';
import { backgroundStateFile, cacheDir } from './paths.ts';
import { waitFor } from './poll.ts';

export interface BackgroundState {
  readonly supervisorPid: number;
  readonly dir: string;
  readonly startedAt: string;
  readonly env: Record<string, string>;
}

const cliScript = fileURLToPath(new URL('./cli.ts', import.meta.url));
const supervisorLog = () => join(cacheDir(), 'testenv-supervisor.log');

export function readState(): BackgroundState | undefined {
  try {
    return JSON.parse(readFileSync(backgroundStateFile(), 'utf8')) as BackgroundState;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface ServeOptions {
  readonly controllerManager: boolean;
  readonly node: boolean;
}

/**
 * The supervisor: runs in the background until SIGTERM or SIGINT. SIGHUP is ignored: the shell
 * that ran `up` ending must not take the environment with it.
 */
export async function serve(options: ServeOptions): Promise<void> {
  const log = createLogger({ component: 'testenv' });
  process.on('SIGHUP', () => log.info('SIGHUP ignored: `npm run testenv -- down` stops the environment'));
  const environment = await startTestEnvironment({ ...options, log });
  const state: BackgroundState = {
    supervisorPid: process.pid,
    dir: environment.dir,
    startedAt: new Date().toISOString(),
    env: environment.env,
  };
  mkdirSync(dirname(backgroundStateFile()), { recursive: true });
  writeFileSync(backgroundStateFile(), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    log.info('stopping test environment');
    let code = 0;
    await environment.stop().catch((err: Error) => {
      log.error('the test environment did not stop cleanly', { err: err.message });
      code = 1;
    });
    rmSync(backgroundStateFile(), { force: true });
    process.exit(code);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void shutdown());
  setInterval(() => {}, 1 << 30); // stay alive until told to stop
}

/** Starts the supervisor and waits until the environment is up, echoing its log meanwhile. */
export async function up(options: ServeOptions): Promise<BackgroundState> {
  const existing = readState();
  if (existing && isAlive(existing.supervisorPid)) return existing;
  if (existing) clearStale(existing);
  mkdirSync(cacheDir(), { recursive: true });
  const logFile = supervisorLog();
  const out = openSync(logFile, 'w');
  const args = [cliScript, 'serve'];
  if (options.controllerManager) args.push('--with-controller-manager');
  if (options.node) args.push('--with-node');
  const supervisor = spawn(process.execPath, args, { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  supervisor.unref();
  let echoed = 0;
  for (;;) {
    const text = readFileSync(logFile, 'utf8');
    process.stderr.write(text.slice(echoed));
    echoed = text.length;
    const state = readState();
    if (state && state.supervisorPid === supervisor.pid) return state;
    if (supervisor.exitCode !== null || !isAlive(supervisor.pid ?? -1)) {
      throw new Error(`the test environment did not come up; see ${logFile}`);
    }
    await sleep(300);
  }
}

export async function down(): Promise<'stopped' | 'not running'> {
  const state = readState();
  if (!state) return 'not running';
  if (isAlive(state.supervisorPid)) {
    process.kill(state.supervisorPid, 'SIGTERM');
    const gone = () => !isAlive(state.supervisorPid);
    await waitFor('the supervisor to stop', gone, { timeoutMs: 30_000, intervalMs: 100 }).catch(() => {});
    // Its leashes see their stdin close and take the servers and the folder down with them.
    if (!gone()) process.kill(state.supervisorPid, 'SIGKILL');
  }
  // Removed by the folder's leash; whatever is left after a while, removed here.
  const removed = () => !existsSync(state.dir);
  await waitFor('the folder removed', removed, { timeoutMs: 15_000, intervalMs: 100 }).catch(() => {});
  clearStale(state);
  return 'stopped';
}

function clearStale(state: BackgroundState): void {
  rmSync(state.dir, { recursive: true, force: true });
  rmSync(backgroundStateFile(), { force: true });
}
