/**
 * Pod IPs on the loopback network: 127.0.1.2 to 127.0.1.254. Linux routes all of 127.0.0.0/8 to
 * `lo`, so every pod can listen on its own address and several replicas can use the same
 * containerPort, as they would in their own network namespaces.
 *
 * Several runners may share the machine (vitest runs test files in parallel workers, each with a
 * runner of its own), so an address is taken by creating a lock file exclusively in a folder all
 * of them share; the file holds the owner's pid, and an owner that died (even by SIGKILL) leaves
 * a lock that the next runner recognises as stale and takes over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const podNetwork = '127.0.1';
const first = 2;
const last = 254;

export function defaultLockDir(): string {
  return join(tmpdir(), 'movie-reco-pod-ips');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class PodIpPool {
  readonly #dir: string;
  readonly #owned = new Set<string>();

  constructor(lockDir: string = defaultLockDir()) {
    this.#dir = lockDir;
    mkdirSync(lockDir, { recursive: true });
  }

  /** The lowest free address; released addresses are used again. */
  allocate(): string {
    for (let host = first; host <= last; host++) {
      const ip = `${podNetwork}.${host}`;
      if (!this.#owned.has(ip) && this.#tryLock(ip)) {
        this.#owned.add(ip);
        return ip;
      }
    }
    throw new Error(`no free pod IP in ${podNetwork}.${first}-${last} (locks in ${this.#dir})`);
  }

  release(ip: string): void {
    if (!this.#owned.delete(ip)) return;
    rmSync(this.#lockFile(ip), { force: true });
  }

  releaseAll(): void {
    for (const ip of [...this.#owned]) this.release(ip);
  }

  #lockFile(ip: string): string {
    return join(this.#dir, ip);
  }

  #tryLock(ip: string): boolean {
    const file = this.#lockFile(ip);
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let owner: number;
    try {
      owner = Number(readFileSync(file, 'utf8'));
    } catch {
      return false; // released in between: leave it to the next round
    }
    // Our own pid: another pool of this process holds it. A live pid: taken.
    if (owner === process.pid || (Number.isInteger(owner) && owner > 0 && alive(owner))) return false;
    // Stale: its owner died. (Two runners that both read the stale pid in the same instant could
    // both take it: one removes the other's fresh lock. Tests accept that window of microseconds.)
    rmSync(file, { force: true });
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return true;
    } catch {
      return false;
    }
  }
}
