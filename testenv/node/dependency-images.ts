/**
 * Images of the chart's dependencies for the node, built here like the project's image: MinIO is
 * the pinned Go build of the test environment on the same Debian base. Cached by their inputs.
 */
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Logger } from '../../common/log.ts';
import { baseRoot } from '../../image/base-root.ts';
import { treeEntries } from '../../image/layer.ts';
import { ociArchitecture, writeImageArchive } from '../../image/oci.ts';
import { resolveGoTool } from '../binaries.ts';
import { cacheDir } from '../paths.ts';

export interface LocalImage {
  readonly archive: string;
  readonly reference: string;
}

/** MinIO as uid 1000 (the chart's), `minio` as entrypoint like MinIO's own image. */
export async function minioImage(log: Logger): Promise<LocalImage> {
  const architecture = ociArchitecture(process.arch);
  const root = await baseRoot(log, architecture);
  const binary = (await resolveGoTool('minio', log)).path;
  const tag = `${basename(binary).replace(/^minio-/, '')}-${basename(root)}`.slice(0, 128);
  const dir = join(cacheDir(), 'image', 'minio');
  const archive = join(dir, `${tag}.oci.tar`);
  const reference = `docker.io/library/movie-reco-minio:${tag}`;
  if (existsSync(archive)) return { archive, reference };
  mkdirSync(dir, { recursive: true });
  const minio = {
    type: 'file',
    path: 'usr/bin/minio',
    mode: 0o755,
    uid: 0,
    gid: 0,
    size: statSync(binary).size,
  } as const;
  await writeImageArchive({
    layers: [treeEntries(root), [{ ...minio, source: binary }]],
    runtime: {
      user: '1000:1000',
      entrypoint: ['minio'],
      workingDir: '/',
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/tmp' },
      labels: { 'org.opencontainers.image.title': 'minio', 'org.opencontainers.image.licenses': 'AGPL-3.0-only' },
    },
    epoch: 0,
    architecture,
    tag,
    reference,
    layoutDir: join(dir, `layout-${process.pid}`),
    archive,
  });
  rmSync(join(dir, `layout-${process.pid}`), { recursive: true, force: true });
  return { archive, reference };
}
