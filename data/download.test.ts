import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { readRatings } from './dataset.ts';
import { downloadDataset, resolveDataset } from './download.ts';

/** A zip shaped like GroupLens's ml-latest-small.zip, from a few generated rows. */
async function buildZip(): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const ratings = `${['userId,movieId,rating,timestamp', '1,10,4.0,1000', '1,20,3.5,1001', '2,10,5.0,1002'].join(
    '\r\n',
  )}\r\n`;
  const movies = `${[
    'movieId,title,genres',
    '10,"Made Up, The (2001)",Comedy|Drama',
    '20,Another (2002),(no genres listed)',
  ].join('\r\n')}\r\n`;
  zip.addEmptyDirectory('ml-latest-small/');
  zip.addBuffer(Buffer.from(ratings), 'ml-latest-small/ratings.csv');
  zip.addBuffer(Buffer.from(movies), 'ml-latest-small/movies.csv');
  zip.addBuffer(Buffer.from('test data\n'), 'ml-latest-small/README.txt');
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const hash = (algorithm: string, data: Buffer): string => createHash(algorithm).update(data).digest('hex');

describe('downloadDataset', () => {
  let zipBytes: Buffer;
  let server: Server;
  let baseUrl: string;
  let requests: Array<{ url: string; range?: string }>;
  let cacheDir: string;

  beforeAll(async () => {
    zipBytes = await buildZip();
    server = createServer((req: IncomingMessage, res) => {
      requests.push({ url: req.url ?? '', range: req.headers.range });
      if (req.url === '/ml-latest-small.zip.md5') {
        res.end(`MD5 (ml-latest-small.zip) = ${hash('md5', zipBytes)}\n`);
        return;
      }
      if (req.url !== '/ml-latest-small.zip') {
        res.statusCode = 404;
        res.end();
        return;
      }
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      if (range) {
        const start = Number(range[1]);
        if (start >= zipBytes.length) {
          res.statusCode = 416;
          res.end();
          return;
        }
        res.statusCode = 206;
        res.setHeader('content-range', `bytes ${start}-${zipBytes.length - 1}/${zipBytes.length}`);
        res.end(zipBytes.subarray(start));
        return;
      }
      res.end(zipBytes);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(async () => {
    requests = [];
    cacheDir = await mkdtemp(join(tmpdir(), 'movie-reco-download-'));
  });
  afterEach(() => rm(cacheDir, { recursive: true, force: true }));

  const checksums = () => ({ sha256: hash('sha256', zipBytes), sizeBytes: zipBytes.length });

  it('downloads, verifies, extracts without the top folder, and reads as a dataset', async () => {
    const progress: number[] = [];
    const dir = await downloadDataset('ml-latest-small', {
      cacheDir,
      baseUrl,
      checksums: checksums(),
      onProgress: (b) => progress.push(b),
    });
    expect(dir).toBe(join(cacheDir, 'ml-latest-small'));
    expect((await readdir(dir)).sort()).toEqual(['.movie-reco-complete', 'README.txt', 'movies.csv', 'ratings.csv']);
    expect(await readdir(cacheDir)).toEqual(['ml-latest-small']);
    expect(progress.at(-1)).toBe(zipBytes.length);
    const ratings = await readRatings(dir);
    expect(Array.from(ratings.movieIds)).toEqual([10, 20, 10]);
  });

  it('is idempotent: a second call uses the cache without a request', async () => {
    await downloadDataset('ml-latest-small', { cacheDir, baseUrl, checksums: checksums() });
    requests = [];
    await downloadDataset('ml-latest-small', { cacheDir, baseUrl, checksums: checksums() });
    expect(requests).toEqual([]);
  });

  it('resumes a partial download with a range request', async () => {
    const half = Math.floor(zipBytes.length / 2);
    await writeFile(join(cacheDir, 'ml-latest-small.zip.part'), zipBytes.subarray(0, half));
    await downloadDataset('ml-latest-small', { cacheDir, baseUrl, checksums: checksums() });
    expect(requests).toEqual([{ url: '/ml-latest-small.zip', range: `bytes=${half}-` }]);
    expect(await readFile(join(cacheDir, 'ml-latest-small', 'ratings.csv'), 'utf8')).toContain('2,10,5.0,1002');
  });

  it('finishes a part that is already complete (416 answer)', async () => {
    await writeFile(join(cacheDir, 'ml-latest-small.zip.part'), zipBytes);
    await downloadDataset('ml-latest-small', { cacheDir, baseUrl, checksums: checksums() });
    expect(await readdir(join(cacheDir, 'ml-latest-small'))).toContain('ratings.csv');
  });

  it('verifies against the published .md5 file when no checksum is pinned', async () => {
    await downloadDataset('ml-latest-small', { cacheDir, baseUrl, checksums: {} });
    expect(requests.map((r) => r.url)).toEqual(['/ml-latest-small.zip', '/ml-latest-small.zip.md5']);
  });

  it('refuses a download that does not match the pinned GroupLens checksums, and deletes it', async () => {
    await expect(downloadDataset('ml-latest-small', { cacheDir, baseUrl })).rejects.toThrow(
      /does not match the published checksums \(size \d+, expected 978202; sha256 [0-9a-f]+, expected 696d65a3/,
    );
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it('rejects unknown names and HTTP errors', async () => {
    await expect(downloadDataset('ml-3m', { cacheDir, baseUrl })).rejects.toThrow(
      /unknown dataset ml-3m; known: ml-latest-small, ml-100k/,
    );
    await expect(downloadDataset('ml-1m', { cacheDir, baseUrl })).rejects.toThrow(/ml-1m.zip: HTTP 404/);
  });

  it('resolveDataset prefers a MOVIELENS_DIR copy', async () => {
    const local = await mkdtemp(join(tmpdir(), 'movie-reco-local-'));
    try {
      await mkdir(join(local, 'ml-100k'));
      expect(await resolveDataset('ml-100k', { cacheDir, baseUrl, env: { MOVIELENS_DIR: local } })).toBe(
        join(local, 'ml-100k'),
      );
      expect(requests).toEqual([]);
    } finally {
      await rm(local, { recursive: true, force: true });
    }
  });
});
