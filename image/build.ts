/**
 * npm run image [-- --tag TAG] [--out DIR]
 * Builds the project's OCI image with neither Docker nor a registry, and prints its digest.
 * Reproducible: every mtime is SOURCE_DATE_EPOCH (default: the commit's time), entries are in byte
 * order, and the Debian root and production node_modules are cached by their inputs.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { createLogger, type Logger } from '../common/log.ts';
import { repoRoot } from '../testenv/paths.ts';
import { appEntries, nodeBinary, nodeEntries, productionNodeModules } from './app-files.ts';
import { baseRoot } from './base-root.ts';
import { treeEntries } from './layer.ts';
import { ociArchitecture, writeImageArchive } from './oci.ts';
import { imageName, imageRuntime } from './spec.ts';

const run = promisify(execFile);

export interface BuiltImage {
  /** The manifest's digest: what a registry, containerd and the kubelet call the image by. */
  readonly digest: string;
  readonly archive: string;
  /** The name `ctr images import` gives it, and a pod's `image:` resolves to. */
  readonly reference: string;
}

export interface BuildOptions {
  readonly tag?: string;
  readonly outDir?: string;
  readonly repo?: string;
}

async function git(repo: string, args: string[]): Promise<string> {
  return (await run('git', args, { cwd: repo })).stdout.trim();
}

/** SOURCE_DATE_EPOCH when set (the reproducible-builds convention), else the time of the checked-out commit. */
async function sourceDateEpoch(repo: string): Promise<number> {
  const fromEnv = process.env.SOURCE_DATE_EPOCH;
  if (fromEnv) {
    if (!/^[0-9]+$/.test(fromEnv)) throw new Error(`SOURCE_DATE_EPOCH must be whole seconds, not ${fromEnv}`);
    return Number(fromEnv);
  }
  return Number(await git(repo, ['log', '-1', '--format=%ct']));
}

function repositoryUrl(pkg: { repository?: string | { url?: string } }): string {
  const url = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  if (!url) throw new Error('package.json names no repository (the image label org.opencontainers.image.source)');
  return url.replace(/^git\+/, '').replace(/\.git$/, '');
}

export async function buildImage(log: Logger, options: BuildOptions = {}): Promise<BuiltImage> {
  const repo = options.repo ?? repoRoot;
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
  const tag = options.tag ?? pkg.version;
  const outDir = options.outDir ?? join(repo, 'dist/image');
  const epoch = await sourceDateEpoch(repo);
  const revision = await git(repo, ['rev-parse', 'HEAD']);
  if (await git(repo, ['status', '--porcelain', '--untracked-files=no'])) {
    log.warn('the work tree has uncommitted changes: the image holds them, its revision label names HEAD', {
      revision,
    });
  }
  const architecture = ociArchitecture(process.arch);
  const node = await nodeBinary(repo);
  const [root, nodeModules] = [await baseRoot(log, architecture), await productionNodeModules(repo, log)];
  const app = await appEntries(repo, nodeModules);

  const started = Date.now();
  const created = new Date(epoch * 1000);
  const labels = {
    'org.opencontainers.image.title': imageName,
    'org.opencontainers.image.description': pkg.description,
    'org.opencontainers.image.source': repositoryUrl(pkg),
    'org.opencontainers.image.revision': revision,
    'org.opencontainers.image.version': pkg.version,
    'org.opencontainers.image.licenses': pkg.license,
    'org.opencontainers.image.created': created.toISOString(),
  };
  const reference = `docker.io/library/${imageName}:${tag}`;
  mkdirSync(outDir, { recursive: true });
  const archive = join(outDir, `${imageName}-${tag}.oci.tar`);
  const { digest, layers } = await writeImageArchive({
    layers: [treeEntries(root), nodeEntries(node.path), app],
    runtime: { ...imageRuntime, labels },
    epoch,
    architecture,
    tag,
    reference,
    layoutDir: join(outDir, 'layout'),
    archive,
  });
  log.info('image written', {
    archive,
    reference,
    node: node.version,
    layers: layers.map((layer) => layer.size),
    seconds: Math.round((Date.now() - started) / 1000),
  });
  return { digest, archive, reference };
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { tag: { type: 'string' }, out: { type: 'string' } } });
  const image = await buildImage(createLogger({ component: 'image' }), { tag: values.tag, outDir: values.out });
  process.stdout.write(`${image.digest}\n`);
}
