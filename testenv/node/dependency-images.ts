/**
 * Images of the chart's dependencies for the node, built here like the project's image: MinIO is
 * the pinned Go build of the test environment on the same Debian base, MariaDB is Debian's
 * mariadb-server. Cached by their inputs.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../common/log.ts';
import { baseRoot } from '../../image/base-root.ts';
import { treeEntries } from '../../image/layer.ts';
import { ociArchitecture, type RuntimeConfig, writeImageArchive } from '../../image/oci.ts';
import type { TarEntry } from '../../image/tar.ts';
import { resolveGoTool } from '../binaries.ts';
import { cacheDir } from '../paths.ts';

const mariadbEntrypoint = fileURLToPath(new URL('./mariadb-entrypoint.sh', import.meta.url));

export interface LocalImage {
  readonly archive: string;
  readonly reference: string;
}

interface DependencyImage {
  readonly name: string;
  readonly extraPackages?: readonly string[];
  /** Files added over the Debian root: path in the image, file on this machine. */
  readonly files: ReadonlyArray<readonly [string, string]>;
  /** Part of the tag: what else the image is made of. */
  readonly version: string;
  readonly runtime: RuntimeConfig;
}

const systemPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

async function dependencyImage(spec: DependencyImage, log: Logger): Promise<LocalImage> {
  const architecture = ociArchitecture(process.arch);
  const root = await baseRoot(log, architecture, spec.extraPackages);
  const fileHash = createHash('sha256');
  for (const [path, source] of spec.files) fileHash.update(path).update(readFileSync(source));
  const tag = `${spec.version}-${basename(root).replace(/^base-/, '')}-${fileHash.digest('hex').slice(0, 8)}`;
  const dir = join(cacheDir(), 'image', spec.name);
  const archive = join(dir, `${tag}.oci.tar`);
  const reference = `docker.io/library/movie-reco-${spec.name}:${tag}`;
  if (existsSync(archive)) return { archive, reference };
  mkdirSync(dir, { recursive: true });
  const owner = { uid: 0, gid: 0 };
  const added = spec.files.map(
    ([path, source]): TarEntry => ({ type: 'file', path, mode: 0o755, size: statSync(source).size, source, ...owner }),
  );
  // A data folder the package's scripts filled is hidden by the volume mounted there anyway.
  const base = treeEntries(root).filter((entry) => !entry.path.startsWith('var/lib/mysql/'));
  const layoutDir = join(dir, `layout-${process.pid}`);
  const epoch = 0;
  await writeImageArchive({
    layers: [base, added],
    runtime: spec.runtime,
    epoch,
    architecture,
    tag,
    reference,
    layoutDir,
    archive,
  });
  rmSync(layoutDir, { recursive: true, force: true });
  return { archive, reference };
}

/** MinIO as uid 1000 (the chart's), `minio` as entrypoint like MinIO's own image. */
export async function minioImage(log: Logger): Promise<LocalImage> {
  const binary = (await resolveGoTool('minio', log)).path;
  return dependencyImage(
    {
      name: 'minio',
      files: [['usr/bin/minio', binary]],
      version: basename(binary).replace(/^minio-/, ''),
      runtime: {
        user: '1000:1000',
        entrypoint: ['minio'],
        workingDir: '/',
        env: { PATH: systemPath, HOME: '/tmp' },
        labels: { 'org.opencontainers.image.title': 'minio', 'org.opencontainers.image.licenses': 'AGPL-3.0-only' },
      },
    },
    log,
  );
}

/** Debian's MariaDB behind the mysql image's environment variables (mariadb-entrypoint.sh), as the chart's uid 999. */
export async function mariadbImage(log: Logger): Promise<LocalImage> {
  return dependencyImage(
    {
      name: 'mariadb',
      extraPackages: ['mariadb-server'],
      files: [['usr/local/bin/docker-entrypoint.sh', mariadbEntrypoint]],
      version: 'debian-bookworm',
      runtime: {
        user: '999:999',
        entrypoint: ['docker-entrypoint.sh'],
        workingDir: '/',
        env: { PATH: systemPath },
        labels: { 'org.opencontainers.image.title': 'mariadb', 'org.opencontainers.image.licenses': 'GPL-2.0-only' },
      },
    },
    log,
  );
}
