import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LocalObjectStore } from './local-object-store.ts';
import { describeObjectStore } from './object-store-contract.ts';
import { openObjectStore } from './open-object-store.ts';

describeObjectStore('local folder', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'movie-reco-objects-'));
  return { store: new LocalObjectStore(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('LocalObjectStore', () => {
  it('leaves neither the object nor a temporary file when a streamed put fails midway', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'movie-reco-objects-'));
    try {
      const store = new LocalObjectStore(dir);
      await store.put('m/artifact.bin', Buffer.from('old, whole'));
      async function* failing(): AsyncGenerator<Buffer> {
        yield Buffer.from('half of the new');
        throw new Error('connection reset');
      }
      await expect(store.put('m/artifact.bin', Readable.from(failing()))).rejects.toThrow(/connection reset/);
      expect((await store.get('m/artifact.bin')).toString()).toBe('old, whole');
      expect(await readdir(join(dir, 'm'))).toEqual(['artifact.bin']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('openObjectStore', () => {
  it('opens folders by path or file URI, and S3 only with credentials', () => {
    expect(openObjectStore('/tmp/a')).toBeInstanceOf(LocalObjectStore);
    expect((openObjectStore('file:///tmp/b') as LocalObjectStore).root).toBe('/tmp/b');
    expect(() => openObjectStore('s3://models/reco')).toThrow(/needs an S3 endpoint and credentials/);
    expect(() => openObjectStore('gs://x')).toThrow(/unsupported object store URI/);
    const s3 = openObjectStore('s3://models/reco/', {
      s3: { endpoint: 'http://127.0.0.1:9000', accessKey: 'a', secretKey: 'b' },
    });
    expect(s3.uri).toBe('s3://models/reco');
    expect(s3.uriOf('run/manifest.json')).toBe('s3://models/reco/run/manifest.json');
  });
});
