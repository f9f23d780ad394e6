import { fileURLToPath } from 'node:url';
import { LocalObjectStore } from './local-object-store.ts';
import type { ObjectStore } from './object-store.ts';
import { S3ObjectStore, type S3Config } from './s3-object-store.ts';

/**
 * `s3://bucket/prefix` (needs `s3`), `file:///path`, or a plain folder path.
 */
export function openObjectStore(uri: string, options: { s3?: S3Config } = {}): ObjectStore {
  if (uri.startsWith('s3://')) {
    if (!options.s3) throw new Error(`object store ${uri} needs an S3 endpoint and credentials`);
    return new S3ObjectStore(uri, options.s3);
  }
  if (uri.startsWith('file://')) return new LocalObjectStore(fileURLToPath(uri));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri))
    throw new Error(`unsupported object store URI ${uri} (use s3://, file:// or a path)`);
  return new LocalObjectStore(uri);
}

/**
 * S3 settings from the environment: MOVIE_RECO_S3_ENDPOINT, MOVIE_RECO_S3_ACCESS_KEY,
 * MOVIE_RECO_S3_SECRET_KEY, optional MOVIE_RECO_S3_REGION. Undefined when no endpoint is set.
 */
export function s3ConfigFromEnv(env: NodeJS.ProcessEnv = process.env): S3Config | undefined {
  const endpoint = env.MOVIE_RECO_S3_ENDPOINT;
  if (!endpoint) return undefined;
  const accessKey = env.MOVIE_RECO_S3_ACCESS_KEY;
  const secretKey = env.MOVIE_RECO_S3_SECRET_KEY;
  if (!accessKey || !secretKey)
    throw new Error('MOVIE_RECO_S3_ENDPOINT is set but MOVIE_RECO_S3_ACCESS_KEY or MOVIE_RECO_S3_SECRET_KEY is not');
  return { endpoint, accessKey, secretKey, region: env.MOVIE_RECO_S3_REGION };
}
