/**
 * Long-running processes of the test environment (servers, builds), each behind a leash
 * (leash.ts) so that none outlives its owner, however the owner ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { waitFor } from './poll.ts';

const leashScript = fileURLToPath(new URL('./leash.ts', import.meta.url));

export interface ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  /** Resolves with the exit code once the process (and its leash) ended. */
  readonly exited: Promise<number | null>;
  isRunning(): boolean;
  /** SIGTERM to the process group, SIGKILL after the grace period; resolves when gone. */
  stop(): Promise<void>;
}

export interface StartOptions {
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  graceMs?: number;
  /** Folders the leash removes after the process ended. */
  remove?: string[];
  /** `exited` gives the command's own exit status even after stop() (default: 0 once stopped). */
  passExitStatus?: boolean;
}

export function startManaged(
  name: string,
  command: string | undefined,
  args: string[],
  options: StartOptions,
): ManagedProcess {
  const log = openSync(options.logFile, 'a');
  const leashArgs = ['--grace-ms', String(options.graceMs ?? 3000)];
  for (const dir of options.remove ?? []) leashArgs.push('--remove', dir);
  if (options.passExitStatus) leashArgs.push('--pass-exit-status');
  if (command !== undefined) leashArgs.push('--', command, ...args);
  let leash: ChildProcess;
  try {
    leash = spawn(process.execPath, [leashScript, ...leashArgs], {
      stdio: ['pipe', log, log],
      env: options.env ?? process.env,
      cwd: options.cwd,
    });
  } finally {
    closeSync(log);
  }
  let running = true;
  const exited = new Promise<number | null>((resolve) => {
    leash.on('exit', (code) => {
      running = false;
      resolve(code);
    });
  });
  // An EPIPE on the leash's stdin only means it has already ended.
  leash.stdin?.on('error', () => {});
  return {
    name,
    logFile: options.logFile,
    exited,
    isRunning: () => running,
    async stop() {
      if (!running) return;
      leash.stdin?.end();
      const deadline = (options.graceMs ?? 3000) + 5000;
      const result = await Promise.race([exited, sleep(deadline, 'timeout' as const)]);
      if (result === 'timeout') {
        leash.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Runs a command to completion behind a leash; rejects with the log's tail on failure. */
export async function runManaged(name: string, command: string, args: string[], options: StartOptions): Promise<void> {
  const proc = startManaged(name, command, args, options);
  const code = await proc.exited;
  if (code !== 0) throw new Error(`${name} failed (exit ${code}):\n${logTail(options.logFile)}`);
}

export function logTail(logFile: string, lines = 25): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Polls `probe` until it returns true; fails early if the process exits, and after `timeoutMs`.
 * The error carries the log's tail (the folder holding the log goes away with the environment).
 */
export async function waitUntilReady(
  proc: ManagedProcess,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const outcome = await waitFor(
    `${proc.name} ready`,
    async () => (proc.isRunning() ? (await probe()) && 'ready' : 'exited'),
    { timeoutMs, intervalMs: 200 },
  ).catch((error: Error) => error.message);
  if (outcome === 'ready') return;
  const what = outcome === 'exited' ? 'exited while starting' : `did not start (${outcome})`;
  throw new Error(`${proc.name} ${what}; its log ends with:\n${logTail(proc.logFile)}`);
}
