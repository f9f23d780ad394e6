import { Readable } from 'node:stream';
import { Client } from 'minio';
import { checkKey, ObjectNotFoundError, type ObjectBody, type ObjectInfo, type ObjectStore } from './object-store.ts';

export interface S3Config {
  /** `http://host:port` or `https://host`; MinIO in the cluster, or an S3 endpoint. */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region?: string;
  /** Create the bucket on first use when it does not exist (handy for MinIO; off for S3). */
  createBucket?: boolean;
}

/**
 * Objects in an S3 bucket under a key prefix, through the minio client. S3 writes are atomic
 * per object: a reader sees the old object or the whole new one.
 */
export class S3ObjectStore implements ObjectStore {
  readonly uri: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly #client: Client;
  readonly #createBucket: boolean;
  readonly #endpoint: string;
  #bucketReady: Promise<void> | null = null;

  /** `uri` is `s3://bucket` or `s3://bucket/prefix`. */
  constructor(uri: string, config: S3Config) {
    const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
    if (!match) throw new Error(`not an s3:// URI: ${uri}`);
    this.bucket = match[1]!;
    this.prefix = match[2]!.replace(/\/+$/, '');
    this.uri = `s3://${this.bucket}${this.prefix ? `/${this.prefix}` : ''}`;
    const endpoint = new URL(config.endpoint);
    const useSSL = endpoint.protocol === 'https:';
    this.#client = new Client({
      endPoint: endpoint.hostname,
      port: endpoint.port ? Number(endpoint.port) : useSSL ? 443 : 80,
      useSSL,
      accessKey: config.accessKey,
      secretKey: config.secretKey,
      region: config.region ?? 'us-east-1',
      pathStyle: true,
    });
    this.#createBucket = config.createBucket ?? false;
    this.#endpoint = endpoint.origin;
  }

  uriOf(key: string): string {
    return `s3://${this.bucket}/${this.#objectName(key)}`;
  }

  async put(key: string, body: ObjectBody, options: { contentType?: string } = {}): Promise<ObjectInfo> {
    await this.#ensureBucket();
    const metadata = { 'Content-Type': options.contentType ?? 'application/octet-stream' };
    try {
      if (body instanceof Readable) {
        await this.#client.putObject(this.bucket, this.#objectName(key), body, undefined, metadata);
      } else {
        const buffer = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
        await this.#client.putObject(this.bucket, this.#objectName(key), buffer, buffer.length, metadata);
      }
    } catch (error) {
      throw this.#failure('writing', key, error);
    }
    return (await this.stat(key))!;
  }

  async get(key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    const stream = await this.getStream(key);
    try {
      for await (const chunk of stream) chunks.push(chunk as Buffer);
    } catch (error) {
      throw this.#failure('reading', key, error);
    }
    return Buffer.concat(chunks);
  }

  async getStream(key: string): Promise<Readable> {
    try {
      return await this.#client.getObject(this.bucket, this.#objectName(key));
    } catch (error) {
      throw isNotFound(error) ? new ObjectNotFoundError(this.uri, key) : this.#failure('reading', key, error);
    }
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    try {
      const info = await this.#client.statObject(this.bucket, this.#objectName(key));
      return { key, size: info.size, lastModified: info.lastModified };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw this.#failure('reading', key, error);
    }
  }

  async list(prefix = ''): Promise<ObjectInfo[]> {
    const base = this.prefix ? `${this.prefix}/` : '';
    const found: ObjectInfo[] = [];
    try {
      for await (const item of this.#client.listObjectsV2(this.bucket, base + prefix, true)) {
        if (!item.name) continue;
        found.push({ key: item.name.slice(base.length), size: item.size, lastModified: item.lastModified });
      }
    } catch (error) {
      if (isNotFound(error)) return [];
      throw this.#failure('listing', prefix || '(all)', error);
    }
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    try {
      await this.#client.removeObject(this.bucket, this.#objectName(key));
    } catch (error) {
      if (!isNotFound(error)) throw this.#failure('deleting', key, error);
    }
  }

  /**
   * A failure that says which store and object it concerns: the client's own message (say "read
   * ECONNRESET") reaches a run's record, a pod's termination message and an operator's condition.
   */
  #failure(action: string, key: string, error: unknown): Error {
    return new Error(
      `object store ${this.uri} (${this.#endpoint}): ${action} ${key} failed: ${(error as Error).message}`,
      { cause: error },
    );
  }

  #objectName(key: string): string {
    return this.prefix ? `${this.prefix}/${checkKey(key)}` : checkKey(key);
  }

  #ensureBucket(): Promise<void> {
    if (!this.#createBucket) return Promise.resolve();
    this.#bucketReady ??= (async () => {
      if (!(await this.#client.bucketExists(this.bucket))) await this.#client.makeBucket(this.bucket);
    })().catch((error: unknown) => {
      this.#bucketReady = null;
      throw this.#failure('creating', `bucket ${this.bucket}`, error);
    });
    return this.#bucketReady;
  }
}

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'NoSuchKey' || code === 'NotFound' || code === 'NoSuchBucket';
}
