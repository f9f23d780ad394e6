/**
 * The Debian packages the tests need, installed once before the suites by
 * `npm run testenv -- install` (.ci/run runs it before `npm test`); tests never install anything.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };

/** Every Debian package a test or the test environment uses. */
export const requiredDebianPackages: readonly string[] = [
  'mariadb-server', // mariadbd, mariadb-install-db: the drills' private MariaDB (testenv/mariadb.ts)
  'chromium', // the web page test (inference/web/page.int.test.ts), never a browser downloaded by playwright
  'openssl', // the control plane's certificates (testenv/pki.ts)
  'shellcheck', // the project's shell scripts (deploy/kind/scripts.test.ts)
  // The real node (testenv/node) and the image's base (npm run image: debootstrap)
  'containerd',
  'runc',
  'containernetworking-plugins',
  'iptables',
  'nftables',
  'gcc', // the pause image's static binary
  'libc6-dev',
  'debootstrap',
];

export const installCommand = 'npm run testenv -- install';

/** Debian's packages of the real node (testenv/node), all in requiredDebianPackages. */
export const nodeDebianPackages = [
  'containerd',
  'runc',
  'containernetworking-plugins',
  'iptables',
  'nftables',
  'gcc',
  'libc6-dev',
] as const;

/** Fails with the install command when any of `packages` is missing: nothing is installed while tests run. */
export async function requireDebianPackages(packages: readonly string[], forWhat: string): Promise<void> {
  const missing = await missingDebianPackages(packages);
  if (missing.length > 0)
    throw new Error(`${forWhat} needs Debian's ${missing.join(' ')}: run ${installCommand} (as root)`);
}

/** First executable named `name` on PATH or in the usual system folders. */
export function findOnPath(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/sbin', '/usr/bin', '/usr/local/bin'];
  return dirs.map((dir) => `${dir}/${name}`).find((candidate) => existsSync(candidate));
}

/** The path of a program from a required Debian package; a clear error naming the install step when missing. */
export function requireProgram(name: string, debianPackage: string): string {
  const path = findOnPath(name);
  if (!path) {
    throw new Error(
      `${name} is missing (Debian's ${debianPackage}); install the test environment's packages once: ${installCommand}`,
    );
  }
  return path;
}

/** Runs apt-get, refreshing the package lists once when it fails: a fresh machine has none. */
export async function aptGet(args: string[], cwd?: string): Promise<void> {
  const once = () => run('apt-get', args, { cwd, env: aptEnv, maxBuffer: 64 << 20 });
  try {
    await once();
  } catch {
    await run('apt-get', ['update'], { env: aptEnv, maxBuffer: 64 << 20 });
    await once();
  }
}

/** Those of `packages` that dpkg does not have installed (one dpkg-query: milliseconds). */
export async function missingDebianPackages(packages: readonly string[]): Promise<string[]> {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format, not a template
  const format = '-f=${Package} ${db:Status-Status}\n';
  const { stdout } = await run('dpkg-query', ['-W', format, ...packages]).catch(
    // dpkg-query exits 1 when a package is unknown to dpkg, and still lists the others.
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
  );
  const installed = new Set(
    stdout
      .split('\n')
      .map((line) => line.split(' '))
      .filter(([, status]) => status === 'installed')
      .map(([name]) => name),
  );
  return packages.filter((name) => !installed.has(name));
}

/** Installs what is missing of `packages`; nothing (and no apt-get) when all are there. */
export async function installDebianPackages(packages: readonly string[]): Promise<string[]> {
  const missing = await missingDebianPackages(packages);
  if (missing.length === 0) return [];
  try {
    await aptGet(['install', '-y', '--no-install-recommends', ...missing]);
  } catch (err) {
    const list = missing.join(' ');
    throw new Error(
      `could not install ${list}; as root run: apt-get update && apt-get install -y ${list}\n${(err as Error).message}`,
    );
  }
  return missing;
}
