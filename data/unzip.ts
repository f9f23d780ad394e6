import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';

/**
 * Extracts a zip file into `dir`, one entry at a time as streams (ml-25m unpacks to over 1 GB).
 * yauzl reads the central directory, inflates with Node's zlib, checks each entry's size, and
 * refuses absolute or `..` entry names, so a hostile archive cannot write outside `dir`.
 */
export async function extractZip(zipPath: string, dir: string): Promise<string[]> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(zipPath, { lazyEntries: true, autoClose: true }, (error, opened) =>
      error ? reject(error) : resolve(opened),
    ),
  );
  const written: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', resolve);
      zip.on('entry', (entry: yauzl.Entry) => {
        extractEntry(zip, entry, dir)
          .then((path) => {
            if (path) written.push(path);
            zip.readEntry();
          })
          .catch(reject);
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return written;
}

async function extractEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, dir: string): Promise<string | null> {
  const target = join(dir, ...entry.fileName.split('/'));
  if (entry.fileName.endsWith('/')) {
    await mkdir(target, { recursive: true });
    return null;
  }
  await mkdir(dirname(target), { recursive: true });
  const source = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
    zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream))),
  );
  await pipeline(source, createWriteStream(target));
  return entry.fileName;
}
