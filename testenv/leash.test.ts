import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, it } from 'vitest';
import { waitFor } from './poll.ts';
import { startManaged } from './processes.ts';

const work = mkdtempSync(join(tmpdir(), 'leash-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Starts `sh` that records its own pid and a grandchild's, both sleeping. */
function sleeperScript(pidFile: string): string[] {
  return ['-c', `sleep 300 & echo $$ $! > ${pidFile}; wait`];
}

const readPids = (pidFile: string) => readFileSync(pidFile, 'utf8').trim().split(' ').map(Number);

describe('leash', () => {
  it('stops the whole process group, grandchildren included', async () => {
    const pidFile = join(work, 'stop.pids');
    const proc = startManaged('sleeper', 'sh', sleeperScript(pidFile), {
      logFile: join(work, 'stop.log'),
      graceMs: 500,
    });
    await waitFor('both pids recorded', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').includes(' '));
    const pids = readPids(pidFile);
    await proc.stop();
    await waitFor('the shell and its grandchild gone', () => pids.every((pid) => !alive(pid)));
  });

  it('takes its process down and removes its folders when the owner is SIGKILLed', async () => {
    const pidFile = join(work, 'owner.pids');
    const folder = mkdtempSync(join(work, 'data-'));
    const processes = fileURLToPath(new URL('./processes.ts', import.meta.url));
    const ownerCode = `
      import { startManaged } from ${JSON.stringify(processes)};
      startManaged('sleeper', 'sh', ${JSON.stringify(sleeperScript(pidFile))}, {
        logFile: ${JSON.stringify(join(work, 'owner.log'))},
        remove: [${JSON.stringify(folder)}],
      });
      setInterval(() => {}, 1000);`;
    const owner = spawn(process.execPath, ['--input-type=module', '-e', ownerCode], { stdio: 'ignore' });
    await waitFor('both pids recorded', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').includes(' '));
    const pids = readPids(pidFile);
    owner.kill('SIGKILL');
    await waitFor('the shell and its grandchild gone', () => pids.every((pid) => !alive(pid)));
    await waitFor('the folder removed', () => !existsSync(folder));
  });
});
