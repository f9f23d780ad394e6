/** The JSON documents of an OCI image (config, manifest, index) and its archive, byte for byte the same each time. */
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Blob, compare, type Layer, writeLayer } from './layer.ts';
import { type TarEntry, tarStream } from './tar.ts';

export const mediaTypes = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

export interface RuntimeConfig {
  readonly user: string;
  readonly entrypoint: readonly string[];
  readonly workingDir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
}

/** Go's GOARCH names, which OCI uses, for Node's process.arch. */
export function ociArchitecture(nodeArch: string): string {
  const names: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x' };
  const name = names[nodeArch];
  if (!name) throw new Error(`no OCI architecture known for ${nodeArch}`);
  return name;
}

export function imageConfig(runtime: RuntimeConfig, layers: readonly Layer[], created: Date, architecture: string) {
  return {
    created: created.toISOString(),
    architecture,
    os: 'linux',
    config: {
      User: runtime.user,
      Env: Object.entries(runtime.env).map(([key, value]) => `${key}=${value}`),
      Entrypoint: [...runtime.entrypoint],
      WorkingDir: runtime.workingDir,
      Labels: { ...runtime.labels },
    },
    rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.diffId) },
  };
}

export function imageManifest(config: Blob, layers: readonly Layer[]) {
  return {
    schemaVersion: 2,
    mediaType: mediaTypes.manifest,
    config: { mediaType: mediaTypes.config, digest: config.digest, size: config.size },
    layers: layers.map((layer) => ({ mediaType: mediaTypes.layer, digest: layer.digest, size: layer.size })),
  };
}

/** The layout's index: `tag` as the OCI ref name, `reference` for containerd's `ctr images import`. */
export function imageIndex(manifest: Blob, tag: string, reference: string) {
  return {
    schemaVersion: 2,
    mediaType: mediaTypes.index,
    manifests: [
      {
        mediaType: mediaTypes.manifest,
        digest: manifest.digest,
        size: manifest.size,
        annotations: { 'io.containerd.image.name': reference, 'org.opencontainers.image.ref.name': tag },
      },
    ],
  };
}

/** Writes a JSON document as a blob named by its digest. */
function writeJsonBlob(blobDir: string, document: unknown): Blob {
  const bytes = Buffer.from(JSON.stringify(document));
  const hex = createHash('sha256').update(bytes).digest('hex');
  mkdirSync(blobDir, { recursive: true });
  writeFileSync(join(blobDir, hex), bytes);
  return { digest: `sha256:${hex}`, size: bytes.length };
}

/** The archive of an OCI layout folder (oci-layout, index.json, blobs/sha256/*), as `ctr images import` reads it. */
async function writeLayoutArchive(layoutDir: string, archive: string, mtime: number): Promise<void> {
  const root = { mode: 0o755, uid: 0, gid: 0 };
  const file = (path: string): TarEntry => {
    const source = join(layoutDir, path);
    return { type: 'file', path, mode: 0o644, uid: 0, gid: 0, size: statSync(source).size, source };
  };
  const blobs = readdirSync(join(layoutDir, 'blobs/sha256'))
    .filter((name) => /^[0-9a-f]{64}$/.test(name))
    .sort(compare);
  const entries: TarEntry[] = [
    { type: 'dir', path: 'blobs', ...root },
    { type: 'dir', path: 'blobs/sha256', ...root },
    ...blobs.map((name) => file(`blobs/sha256/${name}`)),
    file('index.json'),
    file('oci-layout'),
  ];
  const partial = `${archive}.partial-${process.pid}`;
  await pipeline(Readable.from(tarStream(entries, mtime)), createWriteStream(partial));
  renameSync(partial, archive);
}

function writeLayoutMarkers(layoutDir: string, index: unknown): void {
  writeFileSync(join(layoutDir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(layoutDir, 'index.json'), JSON.stringify(index));
}

export interface ImageArchiveSpec {
  /** Each layer's entries, bottom first. */
  readonly layers: readonly Iterable<TarEntry>[];
  readonly runtime: RuntimeConfig;
  /** Every mtime, and the image's creation time, in seconds. */
  readonly epoch: number;
  readonly architecture: string;
  readonly tag: string;
  readonly reference: string;
  /** Working folder for the layout; emptied first. */
  readonly layoutDir: string;
  readonly archive: string;
}

/** Writes the image as an OCI layout archive; returns the manifest's digest and the layers' sizes. */
export async function writeImageArchive(spec: ImageArchiveSpec): Promise<{ digest: string; layers: Layer[] }> {
  const blobDir = join(spec.layoutDir, 'blobs/sha256');
  rmSync(spec.layoutDir, { recursive: true, force: true });
  const layers: Layer[] = [];
  for (const entries of spec.layers) layers.push(await writeLayer(entries, spec.epoch, blobDir));
  const config = writeJsonBlob(
    blobDir,
    imageConfig(spec.runtime, layers, new Date(spec.epoch * 1000), spec.architecture),
  );
  const manifest = writeJsonBlob(blobDir, imageManifest(config, layers));
  writeLayoutMarkers(spec.layoutDir, imageIndex(manifest, spec.tag, spec.reference));
  await writeLayoutArchive(spec.layoutDir, spec.archive, spec.epoch);
  return { digest: manifest.digest, layers };
}
