/**
 * The node's owner killed outright (SIGKILL) with a pod running: its janitor still ends every
 * process of the node and its pods and removes their mounts, network namespaces and cgroups.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../poll.ts';
import { cgroupHierarchies } from './host-state.ts';

const fixture = fileURLToPath(new URL('./node-owner.fixture.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'movie-reco-node-owner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const netnsDir = '/var/run/netns';
const namespaces = () => (existsSync(netnsDir) ? readdirSync(netnsDir) : []);
const mountsUnder = (folder: string) =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => (line.split(' ')[4] ?? '').startsWith(folder));
const processesNaming = (folder: string) =>
  readdirSync('/proc')
    .filter((name) => /^[0-9]+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(join('/proc', pid, 'cmdline'), 'utf8').includes(folder);
      } catch {
        return false;
      }
    });

describe("the node's janitor", () => {
  it('puts the machine back when the owner of the node is SIGKILLed', async () => {
    const before = new Set(namespaces());
    const owner = spawn(process.execPath, [fixture, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => owner.on('exit', resolve));
    const firstLine = await new Promise<string>((resolve, reject) => {
      createInterface({ input: owner.stdout }).once('line', resolve);
      owner.once('exit', (code) => reject(new Error(`the node's owner exited (${code}) before its pod ran`)));
    });
    expect(JSON.parse(firstLine)).toEqual({ dir, pid: owner.pid });
    const podNamespaces = namespaces().filter((name) => !before.has(name));
    const cgroupRoot = `movie-reco-testenv-${owner.pid}`;
    expect(podNamespaces.length).toBeGreaterThan(0);
    expect(mountsUnder(dir).length).toBeGreaterThan(0);
    expect(cgroupHierarchies().some((hierarchy) => existsSync(join(hierarchy, cgroupRoot)))).toBe(true);

    owner.kill('SIGKILL');
    await exited;
    await waitFor('the node gone', async () => processesNaming(dir).length === 0, {
      timeoutMs: 120_000,
      intervalMs: 250,
    });

    expect(mountsUnder(dir)).toEqual([]);
    expect(namespaces().filter((name) => podNamespaces.includes(name))).toEqual([]);
    expect(cgroupHierarchies().filter((hierarchy) => existsSync(join(hierarchy, cgroupRoot)))).toEqual([]);
  }, 600_000);
});
