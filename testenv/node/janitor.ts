/**
 * The node's janitor, run behind a leash (processes.ts) for as long as the node lives:
 *   node janitor.ts HOST-RECORD.json OWNER-PID
 * It holds the machine lock from its start (taken over from the owner, machine-lock.ts) until the
 * machine is put back.
 * On SIGTERM (the node stopped, or its owner died however it died) it waits for the node's
 * processes to end, kills what its pods left (by cgroup) and the containerd shims, then puts the
 * machine back as recorded (host-state.ts). Exit 1 if something could not be put back.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type HostRecord, processesInCgroups, restoreHostState } from './host-state.ts';
import { takeOverMachineLock, unlockMachine } from './machine-lock.ts';

const record: HostRecord = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8'));
const { dir, cgroupRoot } = record.footprint;
takeOverMachineLock(Number(process.argv[3]));

/** Processes whose command line names the node's folder (kubelet, containerd, shims, their leashes), not this one. */
function nodeProcesses(): number[] {
  const spared = new Set([process.pid, process.ppid]);
  return readdirSync('/proc')
    .filter((name) => /^[0-9]+$/.test(name) && !spared.has(Number(name)))
    .filter((pid) => {
      try {
        return readFileSync(join('/proc', pid, 'cmdline'), 'utf8').includes(dir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

const isShim = (pid: number) => {
  try {
    const command = readFileSync(join('/proc', String(pid), 'cmdline'), 'utf8').split('\0')[0] ?? '';
    return basename(command).startsWith('containerd-shim');
  } catch {
    return false;
  }
};

function kill(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

const commandLine = (pid: number) => {
  try {
    return readFileSync(join('/proc', String(pid), 'cmdline'), 'utf8')
      .replaceAll('\0', ' ')
      .slice(0, 200);
  } catch {
    return '';
  }
};

async function cleanUp(): Promise<never> {
  const started = Date.now();
  const waitedFor = () => nodeProcesses().filter((pid) => !isShim(pid));
  while (Date.now() - started < 20_000 && waitedFor().length > 0) await sleep(200);
  for (const pid of waitedFor()) process.stderr.write(`still running after 20 s, killed: ${commandLine(pid)}\n`);
  for (let round = 0; round < 50 && processesInCgroups(cgroupRoot).length > 0; round++) {
    kill(processesInCgroups(cgroupRoot));
    await sleep(100);
  }
  kill(nodeProcesses());
  try {
    await restoreHostState(record);
    unlockMachine();
    process.exit(0);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
}

let cleaning = false;
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (cleaning) return;
    cleaning = true;
    void cleanUp();
  });
}
setInterval(() => {}, 1 << 30);
