import { createReadStream } from 'node:fs';
import { access, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip, gunzipSync } from 'node:zlib';

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/** True when the file starts with the gzip magic bytes, whatever its name says. */
export async function isGzipFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1;
  } finally {
    await handle.close();
  }
}

/** The file's bytes in large chunks, decompressed when it is gzip. */
export async function* readFileChunks(path: string): AsyncGenerator<Buffer> {
  const gzip = await isGzipFile(path);
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  const stream = gzip ? file.pipe(createGunzip({ chunkSize: 1 << 18 })) : file;
  file.on('error', (error) => stream.destroy(error));
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } finally {
    file.destroy();
    stream.destroy();
  }
}

/** The whole file, decompressed when it is gzip. Only for small files (movie lists). */
export async function readWholeFile(path: string): Promise<Buffer> {
  const raw = await readFile(path);
  return raw[0] === GZIP_MAGIC_0 && raw[1] === GZIP_MAGIC_1 ? gunzipSync(raw) : raw;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * MovieLens mixes encodings: ml-100k and ml-1m are Latin-1, later releases UTF-8. Latin-1 text
 * with accented letters is practically never valid UTF-8, so trying UTF-8 first is safe.
 */
export function decodeText(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    // Buffer's latin1 is true ISO-8859-1; TextDecoder('latin1') would be windows-1252.
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  }
}

/** `dir/name` or `dir/name.gz`, whichever exists (plain first); null when neither does. */
export async function findDataFile(dir: string, name: string): Promise<string | null> {
  for (const candidate of [join(dir, name), join(dir, `${name}.gz`)]) {
    try {
      await access(candidate);
      return candidate;
    } catch {
      // try the next spelling
    }
  }
  return null;
}
