/**
 * Finds each program the test environment runs, in this order: an explicit override
 * (ETCD_BIN, KUBE_APISERVER_BIN, ...), KUBEBUILDER_ASSETS for etcd and kube-apiserver,
 * the binary cache, and otherwise a build (Go tools) or a Debian package (prometheus, promtool).
 */
import { execFile } from 'node:child_process';
import {
  accessSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../common/log.ts';
import { aptGet, findOnPath, installCommand } from './debian-packages.ts';
import { buildGoTool } from './go-build.ts';
import { goTools, type GoTool, type GoToolName, type NodeGoToolName, nodeGoTools, pinnedVersion } from './go-tools.ts';
import { binCacheDir } from './paths.ts';

const run = promisify(execFile);

export type ToolName = GoToolName | PrometheusPackageTool;

export interface ResolvedBinary {
  readonly path: string;
  readonly source: 'override' | 'kubebuilder-assets' | 'cache' | 'built' | 'system' | 'debian-package';
}

function assertExecutable(path: string, origin: string): string {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${origin} points at ${path}, which is not an executable file`);
  }
  return path;
}

/** A binary supplied by the user, if any; never builds anything. */
export function overriddenGoTool(tool: GoTool, env: NodeJS.ProcessEnv = process.env): ResolvedBinary | undefined {
  const override = env[tool.overrideVar];
  if (override) return { path: assertExecutable(override, tool.overrideVar), source: 'override' };
  if (tool.inKubebuilderAssets && env.KUBEBUILDER_ASSETS) {
    const path = join(env.KUBEBUILDER_ASSETS, tool.name);
    if (existsSync(path)) return { path: assertExecutable(path, 'KUBEBUILDER_ASSETS'), source: 'kubebuilder-assets' };
  }
  return undefined;
}

export function cachedGoToolPath(tool: GoTool, env: NodeJS.ProcessEnv = process.env): string {
  return join(binCacheDir(env), `${tool.name}-${pinnedVersion(tool)}`);
}

export async function resolveGoTool(name: GoToolName, log: Logger): Promise<ResolvedBinary> {
  const tool = goTools[name];
  const supplied = overriddenGoTool(tool);
  if (supplied) return supplied;
  const cached = cachedGoToolPath(tool);
  if (existsSync(cached)) return { path: cached, source: 'cache' };
  await buildGoTool(tool, pinnedVersion(tool), cached, log);
  return { path: cached, source: 'built' };
}

/** Programs unpacked from Debian's prometheus package: the server for the end-to-end test, and promtool. */
export type PrometheusPackageTool = 'prometheus' | 'promtool';
const prometheusPackageTools: readonly PrometheusPackageTool[] = ['prometheus', 'promtool'];
const overrideVars: Record<PrometheusPackageTool, string> = { prometheus: 'PROMETHEUS_BIN', promtool: 'PROMTOOL_BIN' };

/**
 * prometheus and promtool come out of Debian's prometheus package, unpacked into the cache rather
 * than installed: installing would also set up (and on some machines start) a Prometheus daemon.
 * Only `npm run testenv -- install` fetches the package (`fetch`); otherwise a missing tool is an error.
 */
export async function resolvePrometheusTool(
  name: PrometheusPackageTool,
  log: Logger,
  { fetch = false }: { fetch?: boolean } = {},
): Promise<ResolvedBinary> {
  const override = process.env[overrideVars[name]];
  if (override) return { path: assertExecutable(override, overrideVars[name]), source: 'override' };
  const system = findOnPath(name);
  if (system) return { path: system, source: 'system' };
  const binDir = binCacheDir();
  const cachedNewest = () =>
    (existsSync(binDir)
      ? readdirSync(binDir)
          .filter((f) => f.startsWith(`${name}-`) && /^[0-9]/.test(f.slice(name.length + 1)) && !f.includes('.partial'))
          .sort()
      : []
    ).at(-1);
  const newest = cachedNewest();
  if (newest) return { path: join(binDir, newest), source: 'cache' };
  if (!fetch) {
    throw new Error(
      `${name} is missing: ${installCommand} unpacks Debian's prometheus package into ${binDir}; ` +
        `or set ${overrideVars[name]}`,
    );
  }

  log.info("fetching prometheus and promtool from Debian's prometheus package (first run only)");
  const work = mkdtempSync(join(tmpdir(), 'movie-reco-prometheus-'));
  try {
    await aptGet(['download', 'prometheus'], work).catch((err: Error) => {
      throw new Error(
        `${name} is missing and Debian's prometheus package could not be downloaded ` +
          `(apt-get download prometheus): ${err.message}. ` +
          `Install it (apt-get install prometheus) or set ${overrideVars[name]}.`,
      );
    });
    const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error('apt-get download prometheus produced no .deb');
    const version = (deb.split('_')[1] ?? 'unknown').replace(/^[0-9]+%3a/, '').replace(/[^A-Za-z0-9.+~-]/g, '_');
    await run('dpkg-deb', ['-x', join(work, deb), join(work, 'root')]);
    mkdirSync(binDir, { recursive: true }); // an empty cache: nothing has been built into it yet
    for (const tool of prometheusPackageTools) {
      const dest = join(binDir, `${tool}-${version}`);
      copyFileSync(join(work, 'root/usr/bin', tool), `${dest}.partial`);
      renameSync(`${dest}.partial`, dest);
    }
    return { path: join(binDir, `${name}-${version}`), source: 'debian-package' };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export type BinaryPaths = Record<Exclude<ToolName, NodeGoToolName>, string>;

/** Every binary, built or fetched one after another: two cores are busy enough with one Go build. */
export async function resolveAllBinaries(log: Logger): Promise<BinaryPaths> {
  const paths: Partial<BinaryPaths> = {};
  const controlPlaneTools = (Object.keys(goTools) as GoToolName[]).filter(
    (name): name is Exclude<GoToolName, NodeGoToolName> => !(nodeGoTools as readonly string[]).includes(name),
  );
  for (const name of controlPlaneTools) {
    const resolved = await resolveGoTool(name, log);
    log.debug('binary', { name, ...resolved });
    paths[name] = resolved.path;
  }
  for (const name of prometheusPackageTools) paths[name] = (await resolvePrometheusTool(name, log)).path;
  return paths as BinaryPaths;
}

/** Fetches prometheus and promtool into the cache unless they are there (the install step). */
export async function fetchPrometheusTools(log: Logger): Promise<void> {
  for (const name of prometheusPackageTools) await resolvePrometheusTool(name, log, { fetch: true });
}
