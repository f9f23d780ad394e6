/**
 * Which backend (database, object store) a resource's records belong to: the Secret its pods get,
 * in its own namespace. Pure; tenant-backends.ts reads the Secrets.
 */
import type { S3Config } from '../../storage/s3-object-store.ts';
import { s3ConfigFromEnv } from '../../storage/open-object-store.ts';
import type { ModelRelease, TrainingRun } from '../api/resources.ts';

export interface BackendRef {
  namespace: string;
  /** The backend Secret's name; undefined when the resource names none. */
  secret: string | undefined;
}

/** A run's backend: the Secret its trainer gets (required by the CRD). */
export function runBackend(run: TrainingRun): BackendRef {
  return { namespace: run.metadata.namespace!, secret: run.spec.backendSecretRef.name };
}

/**
 * A release's backend: its inference pods' Secret (where ratings are posted and insights read),
 * else its retraining template's (where its trainers read ratings); undefined when it names neither.
 */
export function releaseBackend(release: ModelRelease): BackendRef {
  const secret = release.spec.serving?.backendSecretRef?.name ?? release.spec.retrain?.template.backendSecretRef.name;
  return { namespace: release.metadata.namespace!, secret };
}

export interface Backend {
  databaseUrl: string | undefined;
  artifactStore: string | undefined;
  s3: S3Config | undefined;
}

/** From a Secret's data, the keys trainers and inference pods read: MOVIE_RECO_DATABASE_URL, _ARTIFACT_STORE, _S3_*. */
export function backendOfSecret(data: Record<string, string> | undefined): Backend {
  const values = data ?? {};
  const decoded = Object.fromEntries(
    Object.entries(values).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]),
  );
  return {
    databaseUrl: decoded.MOVIE_RECO_DATABASE_URL || undefined,
    artifactStore: decoded.MOVIE_RECO_ARTIFACT_STORE || undefined,
    s3: s3ConfigFromEnv(decoded),
  };
}
