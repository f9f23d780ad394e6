/**
 * Keeps a server (or a build) on a leash held by its owner: run as its own process,
 *   node leash.ts [--grace-ms N] [--remove DIR]... [--pass-exit-status] [-- COMMAND ARGS...]
 * it starts COMMAND in a new process group and kills that whole group when its stdin closes
 * (the owner stopped it, exited or crashed, even by SIGKILL) or on SIGTERM/SIGINT/SIGHUP:
 * SIGTERM first, SIGKILL after the grace period. Then it removes each --remove DIR.
 * It exits 0 when stopped that way; with --pass-exit-status it exits with COMMAND's own status
 * (128 + signal number when a signal ended it) in every case, as a container runtime reports it.
 * With no COMMAND it only waits and removes (the janitor of an environment's temp folder).
 * Linux has no portable "die with the parent" for children of Node, hence this process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { constants } from 'node:os';

interface LeashArgs {
  graceMs: number;
  remove: string[];
  passExitStatus: boolean;
  command: string[];
}

function parseArgs(argv: string[]): LeashArgs {
  const parsed: LeashArgs = { graceMs: 3000, remove: [], passExitStatus: false, command: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      parsed.command = argv.slice(i + 1);
      break;
    } else if (arg === '--grace-ms') parsed.graceMs = Number(argv[++i]);
    else if (arg === '--remove') parsed.remove.push(String(argv[++i]));
    else if (arg === '--pass-exit-status') parsed.passExitStatus = true;
    else throw new Error(`leash: unknown argument ${arg}`);
  }
  return parsed;
}

const args = parseArgs(process.argv.slice(2));
let child: ChildProcess | undefined;
let stopping = false;

function signalGroup(signal: NodeJS.Signals): void {
  if (child?.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

function removeFolders(): void {
  for (const dir of args.remove) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 250 });
    } catch (err) {
      process.stderr.write(`leash: could not remove ${dir}: ${(err as Error).message}\n`);
    }
  }
}

function finish(code: number): never {
  signalGroup('SIGKILL'); // whatever the leader left behind in its group (go build's compilers, say)
  removeFolders();
  process.exit(code);
}

function stop(): void {
  if (stopping) return;
  stopping = true;
  if (!child || child.exitCode !== null || child.signalCode !== null) finish(0);
  signalGroup('SIGTERM');
  setTimeout(() => signalGroup('SIGKILL'), args.graceMs).unref();
}

process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.on('error', stop);
process.stdin.resume();
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, stop);

const [command, ...commandArgs] = args.command;
if (command !== undefined) {
  child = spawn(command, commandArgs, { detached: true, stdio: ['ignore', 'inherit', 'inherit'] });
  child.on('error', (err) => {
    process.stderr.write(`leash: cannot start ${command}: ${err.message}\n`);
    finish(127);
  });
  child.on('exit', (code, signal) => {
    if (args.passExitStatus) finish(code ?? 128 + (signal ? constants.signals[signal] : 1));
    finish(stopping ? 0 : (code ?? 128 + signalNumber(signal)));
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 1;
}
