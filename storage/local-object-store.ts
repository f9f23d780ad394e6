import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type Dirent } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { checkKey, ObjectNotFoundError, type ObjectBody, type ObjectInfo, type ObjectStore } from './object-store.ts';

// Partial writes carry this marker until renamed into place; listings skip them.
const TEMP_MARKER = '.partial-';

/** Objects as files under a root folder; a put writes a temporary file and renames it. */
export class LocalObjectStore implements ObjectStore {
  readonly root: string;
  readonly uri: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.uri = pathToFileURL(this.root).href;
  }

  uriOf(key: string): string {
    return pathToFileURL(this.#path(key)).href;
  }

  async put(key: string, body: ObjectBody): Promise<ObjectInfo> {
    const path = this.#path(key);
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}${TEMP_MARKER}${randomBytes(6).toString('hex')}`;
    try {
      const source = body instanceof Readable ? body : Readable.from([body]);
      await pipeline(source, createWriteStream(temp, { flush: true }));
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    return (await this.stat(key))!;
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.#path(key));
    } catch (error) {
      throw this.#notFound(error, key);
    }
  }

  async getStream(key: string): Promise<Readable> {
    const path = this.#path(key);
    // Open first so that a missing object fails here, not on the stream's first read.
    const stream = createReadStream(path);
    try {
      await new Promise<void>((resolveOpen, reject) => {
        stream.once('open', () => resolveOpen());
        stream.once('error', reject);
      });
    } catch (error) {
      throw this.#notFound(error, key);
    }
    return stream;
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    try {
      const info = await stat(this.#path(key));
      return info.isFile() ? { key, size: info.size, lastModified: info.mtime } : null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async list(prefix = ''): Promise<ObjectInfo[]> {
    const found: ObjectInfo[] = [];
    let entries: Dirent[];
    try {
      entries = await readdir(this.root, { recursive: true, withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    for (const entry of entries) {
      if (!entry.isFile() || entry.name.includes(TEMP_MARKER)) continue;
      const key = relative(this.root, join(entry.parentPath, entry.name)).split(sep).join('/');
      if (!key.startsWith(prefix)) continue;
      const info = await this.stat(key);
      if (info) found.push(info);
    }
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }

  #path(key: string): string {
    return join(this.root, ...checkKey(key).split('/'));
  }

  #notFound(error: unknown, key: string): unknown {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'EISDIR' ? new ObjectNotFoundError(this.uri, key) : error;
  }
}
