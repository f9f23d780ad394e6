import { ArtifactError } from '../model/artifact.ts';
import { readArtifact } from '../storage/artifact-store.ts';
import { openObjectStore } from '../storage/open-object-store.ts';
import type { S3Config } from '../storage/s3-object-store.ts';
import { makeServingModel, type ServingModel } from './serving-model.ts';

export interface ModelSource {
  /** The artifact folder (its manifest.json is inside). */
  uri: string;
  digest?: string | undefined;
}

/** The store holding the artifact folder, and the folder's name in it. */
export function splitArtifactUri(uri: string): { storeUri: string; prefix: string } {
  const trimmed = uri.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  const isRootOfS3Bucket = /^s3:\/\/[^/]+$/.test(trimmed);
  if (slash < 0 || isRootOfS3Bucket || trimmed.endsWith('://')) {
    throw new ArtifactError(`model URI ${uri} must name the artifact folder, e.g. s3://bucket/model/run`);
  }
  const storeUri = trimmed.slice(0, slash);
  return {
    storeUri: storeUri === '' ? '/' : storeUri.endsWith('://') ? `${storeUri}/` : storeUri,
    prefix: trimmed.slice(slash + 1),
  };
}

/** Fetches and verifies every file of an artifact (ArtifactError when refused), then prepares it for serving. */
export async function loadServingModel(
  source: ModelSource,
  options: { s3?: S3Config | undefined; cacheSize: number },
): Promise<ServingModel> {
  const { storeUri, prefix } = splitArtifactUri(source.uri);
  const store = openObjectStore(storeUri, options.s3 ? { s3: options.s3 } : {});
  const loaded = await readArtifact(store, prefix, source.digest);
  return makeServingModel({ ...loaded, uri: source.uri }, options.cacheSize);
}
