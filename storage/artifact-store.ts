import {
  decodeArtifact,
  MANIFEST_FILE,
  MODEL_FILE,
  parseManifest,
  sha256Hex,
  type ArtifactManifest,
  type EncodedArtifact,
} from '../model/artifact.ts';
import type { Recommender } from '../model/recommender.ts';
import type { ObjectStore } from './object-store.ts';

export interface StoredArtifact {
  /** URI of the artifact's folder (its manifest.json is inside). */
  uri: string;
  digest: string;
  sizeBytes: number;
}

/** Writes the data files first and the manifest last, so a reader never finds a manifest without its files. */
export async function writeArtifact(
  store: ObjectStore,
  prefix: string,
  artifact: EncodedArtifact,
): Promise<StoredArtifact> {
  let sizeBytes = 0;
  for (const [name, bytes] of artifact.files) {
    await store.put(`${prefix}/${name}`, bytes, { contentType: 'application/octet-stream' });
    sizeBytes += bytes.byteLength;
  }
  await store.put(`${prefix}/${MANIFEST_FILE}`, artifact.manifestBytes, { contentType: 'application/json' });
  sizeBytes += artifact.manifestBytes.byteLength;
  return { uri: store.uriOf(prefix), digest: artifact.digest, sizeBytes };
}

export interface LoadedArtifact {
  manifest: ArtifactManifest;
  model: Recommender;
  digest: string;
  sizeBytes: number;
}

/** Reads and verifies an artifact: the manifest against `expectedDigest`, every file against the manifest. */
export async function readArtifact(
  store: ObjectStore,
  prefix: string,
  expectedDigest?: string,
): Promise<LoadedArtifact> {
  const manifestBytes = await store.get(`${prefix}/${MANIFEST_FILE}`);
  const manifest = parseManifest(manifestBytes, expectedDigest);
  const modelBytes = await store.get(`${prefix}/${MODEL_FILE}`);
  const model = decodeArtifact(manifest, modelBytes);
  return {
    manifest,
    model,
    digest: `sha256:${sha256Hex(manifestBytes)}`,
    sizeBytes: manifestBytes.byteLength + modelBytes.byteLength,
  };
}
