/**
 * The backends of every watched namespace: each resource's records go to the database its own
 * backend Secret names, never to another team's. Secrets are read when needed (get, never list or
 * watch); connections are pooled per database URL, so namespaces sharing a database share a pool.
 */
import * as k8s from '@kubernetes/client-node';
import type { Logger } from '../../common/log.ts';
import { getOrInsert } from '../../common/get-or-insert.ts';
import { openDatabase, type Database } from '../../storage/database.ts';
import { migrateToLatest } from '../../storage/migrations.ts';
import type { ObjectStore } from '../../storage/object-store.ts';
import { openObjectStore } from '../../storage/open-object-store.ts';
import { apiMessage } from '../kit/api-errors.ts';
import { backendOfSecret, type Backend, type BackendRef } from './backend-secret.ts';

export interface TenantBackendsOptions {
  kc: k8s.KubeConfig;
  log: Logger;
  /** For a release that names no backend Secret (--database); such records stay unwritten without it. */
  fallbackDatabaseUrl?: string;
  /** Connections per database (default 2). */
  poolMax?: number;
}

export class TenantBackends {
  readonly #core: k8s.CoreV1Api;
  readonly #options: TenantBackendsOptions;
  readonly #databases = new Map<string, Promise<Database>>();
  readonly #stores = new Map<string, ObjectStore>();

  constructor(options: TenantBackendsOptions) {
    this.#options = options;
    this.#core = options.kc.makeApiClient(k8s.CoreV1Api);
  }

  /** The keys of a backend Secret; throws a message naming the Secret when it cannot be read. */
  async backend(ref: BackendRef & { secret: string }): Promise<Backend> {
    try {
      const secret = await this.#core.readNamespacedSecret({ namespace: ref.namespace, name: ref.secret });
      return backendOfSecret(secret.data);
    } catch (error) {
      throw new Error(`cannot read backend Secret ${ref.namespace}/${ref.secret}: ${apiMessage(error)}`, {
        cause: error,
      });
    }
  }

  /**
   * The database of a resource's backend, migrated on first use; undefined when the resource names
   * no Secret and there is no fallback. Throws when its Secret names no database.
   */
  async database(ref: BackendRef): Promise<Database | undefined> {
    const url = ref.secret ? (await this.backend({ ...ref, secret: ref.secret })).databaseUrl : undefined;
    if (ref.secret && !url)
      throw new Error(`backend Secret ${ref.namespace}/${ref.secret} has no MOVIE_RECO_DATABASE_URL`);
    const chosen = url ?? this.#options.fallbackDatabaseUrl;
    return chosen ? this.#open(chosen) : undefined;
  }

  /** The object store a backend Secret names (MOVIE_RECO_ARTIFACT_STORE, _S3_*); undefined when it names none. */
  async objectStore(ref: BackendRef & { secret: string }): Promise<ObjectStore | undefined> {
    const { artifactStore, s3 } = await this.backend(ref);
    if (!artifactStore) return undefined;
    return getOrInsert(this.#stores, JSON.stringify([artifactStore, s3]), () =>
      openObjectStore(artifactStore, s3 ? { s3 } : {}),
    );
  }

  /** The database a backend Secret names (MOVIE_RECO_DATABASE_URL), migrated on first use; undefined: none. */
  async databaseOfSecret(ref: BackendRef & { secret: string }): Promise<Database | undefined> {
    const { databaseUrl } = await this.backend(ref);
    return databaseUrl ? this.#open(databaseUrl) : undefined;
  }

  async close(): Promise<void> {
    const databases = [...this.#databases.values()];
    this.#databases.clear();
    await Promise.all(databases.map((db) => db.then((d) => d.close()).catch(() => {})));
  }

  #open(url: string): Promise<Database> {
    return getOrInsert(this.#databases, url, () => {
      const opening = openDatabase(url, { pool: { max: this.#options.poolMax ?? 2 } }).then(async (db) => {
        try {
          await migrateToLatest(db);
          this.#options.log.info('opened a tenant database', { database: db.displayUrl });
          return db;
        } catch (error) {
          await db.close();
          throw error;
        }
      });
      // A database that could not be opened is tried again next time, not remembered as failed.
      opening.catch(() => this.#databases.delete(url));
      return opening;
    });
  }
}
