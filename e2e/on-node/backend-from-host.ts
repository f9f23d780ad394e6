/**
 * The chart's MySQL and MinIO as the test process reaches them: the backend Secret's coordinates
 * with each in-cluster Service name swapped for its cluster IP (kube-proxy routes from the host).
 */
import type * as k8s from '@kubernetes/client-node';
import { MANIFEST_FILE, parseManifest, type ArtifactManifest } from '../../model/artifact.ts';
import { type Database, openDatabase } from '../../storage/database.ts';
import { openObjectStore } from '../../storage/open-object-store.ts';

export interface BackendFromHost {
  readonly db: Database;
  /** The manifest of the artifact at `uri` (under the Secret's artifact store), verified against `digest`. */
  manifestOf(uri: string, digest: string): Promise<ArtifactManifest>;
}

export async function backendFromHost(
  core: k8s.CoreV1Api,
  namespace: string,
  secret: string,
): Promise<BackendFromHost> {
  const data = (await core.readNamespacedSecret({ name: secret, namespace })).data ?? {};
  const value = (key: string) => {
    const encoded = data[key];
    if (encoded === undefined) throw new Error(`Secret ${namespace}/${secret} has no ${key}`);
    return Buffer.from(encoded, 'base64').toString('utf8');
  };
  const throughClusterIp = async (address: string) => {
    const url = new URL(address);
    const service = await core.readNamespacedService({ name: url.hostname, namespace });
    url.hostname = service.spec!.clusterIP!;
    return url.toString().replace(/\/$/, '');
  };
  const db = await openDatabase(await throughClusterIp(value('MOVIE_RECO_DATABASE_URL')));
  const storeUri = value('MOVIE_RECO_ARTIFACT_STORE');
  const store = openObjectStore(storeUri, {
    s3: {
      endpoint: await throughClusterIp(value('MOVIE_RECO_S3_ENDPOINT')),
      accessKey: value('MOVIE_RECO_S3_ACCESS_KEY'),
      secretKey: value('MOVIE_RECO_S3_SECRET_KEY'),
    },
  });
  return {
    db,
    async manifestOf(uri, digest) {
      if (!uri.startsWith(`${store.uri}/`)) throw new Error(`${uri} is not under ${store.uri}`);
      return parseManifest(await store.get(`${uri.slice(store.uri.length + 1)}/${MANIFEST_FILE}`), digest);
    },
  };
}
