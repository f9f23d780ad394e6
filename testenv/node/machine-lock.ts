/**
 * One node per machine: the bridge, the pod range, the iptables chains and the sysctls are the
 * machine's. A lock file holds the owner's pid; a second node waits for it, and takes over a lock
 * whose owner is gone. The node's janitor takes the lock over from the owner as it starts (it
 * outlives an owner that is killed) and removes it once the machine is put back.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cacheDir } from '../paths.ts';

export const machineLockFile = () => join(cacheDir(), 'node.lock');

function ownerAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryLock(file: string): boolean {
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const owner = Number(readFileSync(file, 'utf8').trim());
  if (Number.isInteger(owner) && owner > 0 && ownerAlive(owner)) return false;
  rmSync(file, { force: true });
  return false;
}

export async function lockMachine(timeoutMs: number): Promise<void> {
  const file = machineLockFile();
  mkdirSync(dirname(file), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  while (!tryLock(file)) {
    if (Date.now() > deadline) {
      throw new Error(`another test node runs on this machine (pid ${readFileSync(file, 'utf8')}, ${file})`);
    }
    await sleep(500);
  }
}

function lockHolder(): number {
  try {
    return Number(readFileSync(machineLockFile(), 'utf8').trim());
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

/** The janitor takes the lock from the node's owner: the machine is the owner's until it is put back. */
export function takeOverMachineLock(owner: number): void {
  if (lockHolder() === owner) writeFileSync(machineLockFile(), String(process.pid));
}

/** The owner waits for its janitor to hold the lock (or for the janitor to end). */
export async function machineLockTakenOver(janitorRunning: () => boolean): Promise<void> {
  while (lockHolder() === process.pid && janitorRunning()) await sleep(20);
}

export function unlockMachine(): void {
  rmSync(machineLockFile(), { force: true });
}
