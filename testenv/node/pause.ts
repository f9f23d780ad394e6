/**
 * The pause image of the pod sandboxes, built here: a static C binary (gcc, Debian's libc6-dev)
 * in a one-layer OCI archive, cached by the source's hash.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ociArchitecture, writeImageArchive } from '../../image/oci.ts';
import { cacheDir } from '../paths.ts';

const run = promisify(execFile);
const source = fileURLToPath(new URL('./pause.c', import.meta.url));

export interface PauseImage {
  readonly archive: string;
  readonly reference: string;
}

export async function pauseImage(): Promise<PauseImage> {
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 12);
  const dir = join(cacheDir(), 'image', `pause-${hash}`);
  const reference = `docker.io/library/movie-reco-pause:${hash}`;
  const archive = join(dir, 'pause.oci.tar');
  if (existsSync(archive)) return { archive, reference };
  mkdirSync(dir, { recursive: true });
  const binary = join(dir, 'pause');
  const partial = `${binary}.partial-${process.pid}`;
  await run('gcc', ['-static', '-Os', '-s', '-o', partial, source]).catch((err: Error) => {
    throw new Error(`could not build the pause binary (gcc and libc6-dev are Debian packages): ${err.message}`);
  });
  renameSync(partial, binary);
  const owner = { uid: 0, gid: 0 };
  await writeImageArchive({
    layers: [[{ type: 'file', path: 'pause', mode: 0o755, size: statSync(binary).size, source: binary, ...owner }]],
    runtime: { user: '65535:65535', entrypoint: ['/pause'], workingDir: '/', env: {}, labels: {} },
    epoch: 0,
    architecture: ociArchitecture(process.arch),
    tag: hash,
    reference,
    layoutDir: join(dir, `layout-${process.pid}`),
    archive,
  });
  rmSync(join(dir, `layout-${process.pid}`), { recursive: true, force: true });
  return { archive, reference };
}
