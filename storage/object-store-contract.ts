/** Behaviour every ObjectStore shares; run by the local and the S3 store's tests. */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectNotFoundError, type ObjectStore } from './object-store.ts';

export function describeObjectStore(
  name: string,
  open: () => Promise<{ store: ObjectStore; cleanup(): Promise<void> }>,
): void {
  describe(`${name}: object store`, () => {
    let store: ObjectStore;
    let cleanup: () => Promise<void>;
    beforeAll(async () => ({ store, cleanup } = await open()));
    afterAll(() => cleanup());

    it('puts from a buffer and a stream, and gets back the same bytes both ways', async () => {
      const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) & 0xff));
      const info = await store.put('runs/r1/factors.bin', bytes);
      expect(info).toMatchObject({ key: 'runs/r1/factors.bin', size: bytes.length });
      expect((await store.get('runs/r1/factors.bin')).equals(bytes)).toBe(true);
      await store.put('runs/r1/manifest.json', Readable.from([Buffer.from('{"a":'), Buffer.from('1}')]), {
        contentType: 'application/json',
      });
      const chunks: Buffer[] = [];
      for await (const chunk of await store.getStream('runs/r1/manifest.json')) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('{"a":1}');
      expect(store.uriOf('runs/r1/manifest.json').endsWith('runs/r1/manifest.json')).toBe(true);
    });

    it('overwrites a key whole', async () => {
      await store.put('runs/r2/x', Buffer.from('first version, longer'));
      await store.put('runs/r2/x', Buffer.from('second'));
      expect((await store.get('runs/r2/x')).toString()).toBe('second');
    });

    it('stats, lists by prefix in key order, and deletes', async () => {
      await store.put('runs/r3/b', Buffer.from('bb'));
      await store.put('runs/r3/a', Buffer.from('a'));
      await store.put('runs/r30/c', Buffer.from('c'));
      expect(await store.stat('runs/r3/b')).toMatchObject({ key: 'runs/r3/b', size: 2 });
      expect((await store.stat('runs/r3/b'))!.lastModified).toBeInstanceOf(Date);
      expect(await store.stat('runs/r3/zz')).toBeNull();
      expect((await store.list('runs/r3/')).map((o) => [o.key, o.size])).toEqual([
        ['runs/r3/a', 1],
        ['runs/r3/b', 2],
      ]);
      expect((await store.list('runs/r3')).map((o) => o.key)).toEqual(['runs/r3/a', 'runs/r3/b', 'runs/r30/c']);
      expect((await store.list('nothing/')).length).toBe(0);
      await store.delete('runs/r3/a');
      await store.delete('runs/r3/a');
      expect((await store.list('runs/r3/')).map((o) => o.key)).toEqual(['runs/r3/b']);
    });

    it('says which object is missing', async () => {
      await expect(store.get('runs/none')).rejects.toBeInstanceOf(ObjectNotFoundError);
      await expect(store.getStream('runs/none')).rejects.toThrow(/no object runs\/none in /);
    });

    it('refuses keys that could escape the store', async () => {
      for (const key of ['../x', '/abs', 'a//b', 'a/./b', ''])
        await expect(store.put(key, Buffer.from('x'))).rejects.toThrow(/invalid object key/);
    });
  });
}
