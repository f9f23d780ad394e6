import type { Readable } from 'node:stream';

export interface ObjectInfo {
  /** Key relative to the store's root, `/`-separated. */
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date;
}

export type ObjectBody = Buffer | Uint8Array | Readable;

/**
 * Where artifacts live: a local folder for the embedded default, S3/MinIO in production.
 * A put is all-or-nothing: a reader never sees a half-written object under its key.
 */
export interface ObjectStore {
  /** The store's root as a URI (`file:///...` or `s3://bucket/prefix`). */
  readonly uri: string;
  put(key: string, body: ObjectBody, options?: { contentType?: string }): Promise<ObjectInfo>;
  /** The whole object; throws ObjectNotFoundError when absent. */
  get(key: string): Promise<Buffer>;
  /** The object as a stream; throws ObjectNotFoundError when absent. */
  getStream(key: string): Promise<Readable>;
  /** Null when absent. */
  stat(key: string): Promise<ObjectInfo | null>;
  /** Every object whose key starts with `prefix`, sorted by key. */
  list(prefix?: string): Promise<ObjectInfo[]>;
  /** Removes the object; absent is not an error. */
  delete(key: string): Promise<void>;
  /** The URI of one object, e.g. for a training run's artifact_uri. */
  uriOf(key: string): string;
}

export class ObjectNotFoundError extends Error {
  readonly key: string;

  constructor(store: string, key: string) {
    super(`no object ${key} in ${store}`);
    this.name = 'ObjectNotFoundError';
    this.key = key;
  }
}

/** Keys are relative and `/`-separated, with no empty, `.` or `..` segments. */
export function checkKey(key: string): string {
  if (
    key === '' ||
    key.startsWith('/') ||
    key.split('/').some((part) => part === '' || part === '.' || part === '..') ||
    key.includes('\\')
  ) {
    throw new Error(`invalid object key ${JSON.stringify(key)}: use relative a/b/c paths without . or .. segments`);
  }
  return key;
}
