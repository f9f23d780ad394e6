/** Programs that come from Debian's packages (promtool, mariadbd), fetched with apt on first need. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
let listsRefreshed = false;

/** Debian's packages of the real node (testenv/node) and of `npm run image` (debootstrap). */
export const nodeDebianPackages = [
  'containerd',
  'runc',
  'containernetworking-plugins',
  'iptables',
  'nftables',
  'gcc',
  'libc6-dev',
  'debootstrap',
] as const;

/** First executable named `name` on PATH or in the usual system folders. */
export function findOnPath(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/sbin', '/usr/bin', '/usr/local/bin'];
  return dirs.map((dir) => `${dir}/${name}`).find((candidate) => existsSync(candidate));
}

/** Runs apt-get, refreshing the package lists once when it fails: a fresh machine has none. */
export async function aptGet(args: string[], cwd?: string): Promise<void> {
  const once = () => run('apt-get', args, { cwd, env: aptEnv, maxBuffer: 64 << 20 });
  try {
    await once();
  } catch (err) {
    if (listsRefreshed) throw err;
    listsRefreshed = true;
    await run('apt-get', ['update'], { env: aptEnv, maxBuffer: 64 << 20 });
    await once();
  }
}

/** The packages of `packages` that dpkg does not list as installed. */
export async function missingDebianPackages(packages: readonly string[]): Promise<string[]> {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own field syntax
  const format = '-f=${Package} ${db:Status-Status}\\n';
  const { stdout } = await run('dpkg-query', ['-W', format, ...packages]).catch((err: { stdout?: string }) => ({
    stdout: err.stdout ?? '',
  }));
  const installed = new Set(
    stdout
      .split('\n')
      .filter((line) => line.endsWith(' installed'))
      .map((line) => line.split(' ')[0]),
  );
  return packages.filter((pkg) => !installed.has(pkg));
}

export async function installDebianPackage(pkg: string): Promise<void> {
  try {
    await aptGet(['install', '-y', '--no-install-recommends', pkg]);
  } catch (err) {
    throw new Error(
      `could not install Debian's ${pkg}; as root run: apt-get update && apt-get install -y ${pkg}\n${(err as Error).message}`,
    );
  }
}
