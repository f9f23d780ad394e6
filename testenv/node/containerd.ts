/**
 * containerd (Debian's, with runc) for the test node: its own root, state, socket and runc root
 * under the environment's folder, the overlayfs snapshotter, no AppArmor, OOM score changes only
 * upwards, a base runtime spec without rlimits (raising one fails in this sandbox), and the pause
 * image built here as the sandbox image.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startManaged, waitUntilReady, type ManagedProcess } from '../processes.ts';

const run = promisify(execFile);

export interface Containerd {
  readonly socket: string;
  readonly process: ManagedProcess;
  /** Loads an OCI archive into the namespace the kubelet uses. */
  importImage(archive: string): Promise<void>;
  tagImage(source: string, target: string): Promise<void>;
}

export interface ContainerdPaths {
  readonly root: string;
  readonly state: string;
  readonly socket: string;
  readonly runcRoot: string;
  readonly baseSpec: string;
  readonly cniConfDir: string;
}

export function containerdPaths(dir: string): ContainerdPaths {
  return {
    root: join(dir, 'root'),
    state: join(dir, 'state'),
    socket: join(dir, 'containerd.sock'),
    runcRoot: join(dir, 'runc'),
    baseSpec: join(dir, 'base-spec.json'),
    cniConfDir: join(dir, 'cni'),
  };
}

const quote = (value: string) => JSON.stringify(value);

export function containerdConfig(paths: ContainerdPaths, sandboxImage: string, cniBinDir: string): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  const disabledPlugins = ['btrfs', 'zfs', 'devmapper', 'aufs'].map((s) => `"io.containerd.snapshotter.v1.${s}"`);
  return `version = 2
root = ${quote(paths.root)}
state = ${quote(paths.state)}
disabled_plugins = [${disabledPlugins.join(', ')}]

[grpc]
  address = ${quote(paths.socket)}

[${cri}]
  sandbox_image = ${quote(sandboxImage)}
  restrict_oom_score_adj = true
  disable_apparmor = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"

[${cri}.containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
  base_runtime_spec = ${quote(paths.baseSpec)}

[${cri}.containerd.runtimes.runc.options]
  SystemdCgroup = false
  Root = ${quote(paths.runcRoot)}

[${cri}.cni]
  bin_dir = ${quote(cniBinDir)}
  conf_dir = ${quote(paths.cniConfDir)}
`;
}

/** containerd's default spec less its rlimits: the CRI fills in the rest per container. */
export function baseRuntimeSpec(defaultSpec: string): string {
  const spec = JSON.parse(defaultSpec);
  delete spec.process.rlimits;
  return JSON.stringify(spec, null, 2);
}

export async function startContainerd(dir: string, sandboxImage: string, cniBinDir: string): Promise<Containerd> {
  const paths = containerdPaths(dir);
  for (const folder of [paths.root, paths.state, paths.runcRoot, paths.cniConfDir])
    mkdirSync(folder, { recursive: true });
  writeFileSync(paths.baseSpec, baseRuntimeSpec((await run('ctr', ['oci', 'spec'])).stdout));
  const config = join(dir, 'config.toml');
  writeFileSync(config, containerdConfig(paths, sandboxImage, cniBinDir));
  const proc = startManaged('containerd', 'containerd', ['--config', config], {
    logFile: join(dir, 'containerd.log'),
    graceMs: 5000,
  });
  const ctr = (args: string[]) =>
    run('ctr', ['--address', paths.socket, '--namespace', 'k8s.io', ...args], { maxBuffer: 16 << 20 });
  await waitUntilReady(proc, async () => (await ctr(['version'])).stdout.includes('Server'), 60_000);
  return {
    socket: paths.socket,
    process: proc,
    async importImage(archive) {
      await ctr(['images', 'import', archive]);
    },
    async tagImage(source, target) {
      await ctr(['images', 'tag', '--force', source, target]);
    },
  };
}
