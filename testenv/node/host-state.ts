/**
 * What a node changes on the machine beyond its folder, and how it is put back: sysctls the kubelet
 * and CNI set, iptables chains the kubelet adds, network namespaces and mounts of pods, cgroups,
 * the CNI bridge. Recorded before the node starts; `restore` undoes only what appeared since.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Set by the kubelet (container manager), the bridge plugin and kube-proxy. */
export const touchedSysctls = [
  'vm/overcommit_memory',
  'vm/panic_on_oom',
  'kernel/panic',
  'kernel/panic_on_oops',
  'kernel/keys/root_maxkeys',
  'kernel/keys/root_maxbytes',
  'net/ipv4/ip_forward',
  'net/ipv4/conf/all/route_localnet',
] as const;

const iptablesTables = ['filter', 'nat', 'mangle'] as const;
/** Chains of the kubelet and kube-proxy, CNI plugins, and the egress guard (network.ts). */
const ourChain = /^(KUBE-|CNI-|MOVIE-RECO-)/;
const netnsDir = '/var/run/netns';

function readSysctls(): Map<string, string> {
  const values = new Map<string, string>();
  for (const key of touchedSysctls) {
    const file = join('/proc/sys', key);
    if (existsSync(file)) values.set(key, readFileSync(file, 'utf8').trim());
  }
  return values;
}

/** Chain names of one table in `iptables-save` output. */
export function chainsOf(saved: string): Set<string> {
  return new Set([...saved.matchAll(/^:(\S+) /gm)].map((match) => match[1] ?? ''));
}

/**
 * An iptables-restore --noflush script removing `chains`: first every rule of another chain that
 * jumps to one of them, then their rules, then the chains.
 */
export function removalScript(table: string, saved: string, chains: ReadonlySet<string>): string {
  const lines = [`*${table}`];
  for (const rule of saved.split('\n').filter((line) => line.startsWith('-A '))) {
    const [, chain = '', ...rest] = rule.split(' ');
    const target = /(?:-j|-g) (\S+)/.exec(rule)?.[1];
    if (!chains.has(chain) && target && chains.has(target)) lines.push(`-D ${chain} ${rest.join(' ')}`);
  }
  for (const chain of chains) lines.push(`-F ${chain}`);
  for (const chain of chains) lines.push(`-X ${chain}`);
  lines.push('COMMIT', '');
  return lines.join('\n');
}

async function iptablesSave(command: string, table: string): Promise<string> {
  return (await run(`${command}-save`, ['-t', table])).stdout;
}

const mountPoints = () =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter(Boolean);

export interface NodeFootprint {
  /** The node's folder: anything mounted under it is unmounted. */
  readonly dir: string;
  readonly bridge: string;
  /** Cgroup folder (one per v1 hierarchy) the kubelet puts pods under. */
  readonly cgroupRoot: string;
  /** An nftables table kube-proxy makes, in the ip and ip6 families. */
  readonly nftTable: string;
}

/** The machine as it was before the node started, as JSON for the node's janitor (janitor.ts). */
export interface HostRecord {
  readonly footprint: NodeFootprint;
  readonly sysctls: Record<string, string>;
  readonly namespacesBefore: string[];
  readonly chainsBefore: Record<string, string[]>;
  /** Folders outside the node's own that containerd makes when missing (netns bind mounts, shim sockets). */
  readonly absentFolders: string[];
  readonly shimSocketsBefore: string[];
}

/** Where containerd 1.6's shims put their sockets, whatever its state folder; a killed shim leaves its socket. */
const shimSocketDir = '/run/containerd/s';
const runtimeFolders = [shimSocketDir, '/run/containerd', netnsDir];

export async function recordHostState(footprint: NodeFootprint): Promise<HostRecord> {
  const chainsBefore: Record<string, string[]> = {};
  for (const command of ['iptables', 'ip6tables']) {
    for (const table of iptablesTables) {
      chainsBefore[`${command} ${table}`] = [...chainsOf(await iptablesSave(command, table))];
    }
  }
  return {
    footprint,
    sysctls: Object.fromEntries(readSysctls()),
    namespacesBefore: existsSync(netnsDir) ? readdirSync(netnsDir) : [],
    chainsBefore,
    absentFolders: runtimeFolders.filter((folder) => !existsSync(folder)),
    shimSocketsBefore: existsSync(shimSocketDir) ? readdirSync(shimSocketDir) : [],
  };
}

/** Chains only a node of this project makes: any found while no node runs were left behind. */
const projectChain = /^MOVIE-RECO-/;

/**
 * Removes what a node that was not put back left (its janitor failed or was killed): its bridge and
 * the project's own iptables chains, which the next node's network would collide with. Call it with
 * the machine lock held, when no node runs; returns what it removed.
 */
export async function removeLeftovers(bridge: string): Promise<string[]> {
  const removed: string[] = [];
  if (existsSync(`/sys/class/net/${bridge}`)) {
    await run('ip', ['link', 'delete', bridge]);
    removed.push(`bridge ${bridge}`);
  }
  for (const command of ['iptables', 'ip6tables']) {
    for (const table of iptablesTables) {
      const saved = await iptablesSave(command, table);
      const left = new Set([...chainsOf(saved)].filter((chain) => projectChain.test(chain)));
      if (left.size === 0) continue;
      const restore = run(`${command}-restore`, ['--noflush']);
      restore.child.stdin?.end(removalScript(table, saved, left));
      await restore;
      removed.push(...[...left].map((chain) => `${command} ${table} ${chain}`));
    }
  }
  return removed;
}

/** Puts back what the node changed (its processes are gone by then); reports every failure together. */
export async function restoreHostState(record: HostRecord): Promise<void> {
  const { footprint } = record;
  const failures: string[] = [];
  const attempt = async (what: string, step: () => Promise<unknown> | unknown) => {
    try {
      await step();
    } catch (err) {
      failures.push(`${what}: ${(err as Error).message}`);
    }
  };
  for (const name of existsSync(netnsDir) ? readdirSync(netnsDir) : []) {
    if (record.namespacesBefore.includes(name)) continue;
    await attempt(`netns ${name}`, async () => {
      await run('umount', ['--lazy', join(netnsDir, name)]).catch(() => {});
      rmSync(join(netnsDir, name), { force: true });
    });
  }
  const ours = mountPoints()
    .filter((point) => point === footprint.dir || point.startsWith(`${footprint.dir}/`))
    .reverse();
  for (const point of ours) await attempt(`unmount ${point}`, () => run('umount', ['--lazy', point]));
  if (existsSync(`/sys/class/net/${footprint.bridge}`)) {
    await attempt(`bridge ${footprint.bridge}`, () => run('ip', ['link', 'delete', footprint.bridge]));
  }
  for (const command of ['iptables', 'ip6tables']) {
    for (const table of iptablesTables) {
      await attempt(`${command} ${table}`, async () => {
        const saved = await iptablesSave(command, table);
        const before = new Set(record.chainsBefore[`${command} ${table}`] ?? []);
        const added = new Set([...chainsOf(saved)].filter((c) => ourChain.test(c) && !before.has(c)));
        if (added.size === 0) return;
        const restore = run(`${command}-restore`, ['--noflush']);
        restore.child.stdin?.end(removalScript(table, saved, added));
        await restore;
      });
    }
  }
  for (const family of ['ip', 'ip6']) {
    await run('nft', ['delete', 'table', family, footprint.nftTable]).catch(() => {});
  }
  for (const [key, value] of Object.entries(record.sysctls)) {
    await attempt(`sysctl ${key}`, () => writeFileSync(join('/proc/sys', key), `${value}\n`));
  }
  await attempt('cgroups', () => removeCgroups(footprint.cgroupRoot));
  for (const name of existsSync(shimSocketDir) ? readdirSync(shimSocketDir) : []) {
    if (!record.shimSocketsBefore.includes(name)) rmSync(join(shimSocketDir, name), { force: true });
  }
  for (const folder of record.absentFolders) {
    if (existsSync(folder)) await attempt(`folder ${folder}`, () => rmdirSync(folder));
  }
  if (failures.length > 0) throw new Error(`the node left changes behind:\n${failures.join('\n')}`);
}

/** Every process in the cgroups under `cgroupRoot` (the pods' containers and sandboxes). */
export function processesInCgroups(cgroupRoot: string): number[] {
  const pids = new Set<number>();
  const collect = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) collect(join(dir, entry.name));
    }
    for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean))
      pids.add(Number(pid));
  };
  for (const hierarchy of cgroupHierarchies()) {
    if (existsSync(join(hierarchy, cgroupRoot))) collect(join(hierarchy, cgroupRoot));
  }
  return [...pids];
}

/** The v1 hierarchies under /sys/fs/cgroup (cgroup v2 has one, at the top). */
export function cgroupHierarchies(): string[] {
  const top = '/sys/fs/cgroup';
  if (existsSync(join(top, 'cgroup.controllers'))) return [top];
  return readdirSync(top)
    .map((name) => join(top, name))
    .filter((path) => statSync(path).isDirectory() && existsSync(join(path, 'cgroup.procs')));
}

/** Cgroup folders are removed leaves first, with rmdir (their files are not files). */
function removeCgroups(cgroupRoot: string): void {
  const removeTree = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) removeTree(join(dir, entry.name));
    }
    rmdirSync(dir);
  };
  for (const hierarchy of cgroupHierarchies()) {
    const dir = join(hierarchy, cgroupRoot);
    if (existsSync(dir)) removeTree(dir);
  }
}
