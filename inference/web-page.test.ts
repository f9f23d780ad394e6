import { request } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCredentialList } from './auth.ts';
import { smallArtifact, servingModelOf } from './testing/small-model.ts';
import { startTestApp, type TestApp } from './testing/test-app.ts';

/** A GET whose body comes back as sent (fetch would decompress it). */
function rawGet(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

describe('the web page routes', () => {
  let root: string;
  let app: TestApp;
  let locked: TestApp;
  const script = `console.log(${JSON.stringify('x'.repeat(4000))});\n`;
  const index = '<!doctype html><title>movie-reco</title><script type="module" src="assets/app-ABC123.js"></script>';

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'web-page-'));
    const serving = servingModelOf(await smallArtifact('run-a'));
    app = await startTestApp({ a: serving }, 'a', { webRoot: root });
    locked = await startTestApp({ a: serving }, 'a', {
      webRoot: root,
      auth: { read: parseCredentialList(['bearer:page-token']), write: [], admin: [], anonymousWrites: true },
    });
  });
  afterAll(async () => {
    await app.close();
    await locked.close();
    await rm(root, { recursive: true, force: true });
  });

  it('says clearly that the page is not built, then serves it once it is', async () => {
    const missing = await rawGet(`${app.url}/`);
    expect(missing.status).toBe(503);
    const error = JSON.parse(missing.body.toString()).error;
    expect(error.code).toBe('web_page_not_built');
    expect(error.message).toMatch(/npm run build:web/);
    expect((await rawGet(`${app.url}/assets/app-ABC123.js`)).status).toBe(503);

    await mkdir(join(root, 'assets'), { recursive: true });
    await writeFile(join(root, 'assets', 'app-ABC123.js'), script);
    await writeFile(join(root, 'index.html'), index);
    const page = await rawGet(`${app.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(page.body.toString()).toBe(index);
  });

  it('serves hashed assets with their type, cached for a year, compressed when asked', async () => {
    const plain = await rawGet(`${app.url}/assets/app-ABC123.js`);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers['x-content-type-options']).toBe('nosniff');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(script);

    const br = await rawGet(`${app.url}/assets/app-ABC123.js`, { 'accept-encoding': 'gzip, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toMatch(/Accept-Encoding/);
    expect(br.body.length).toBeLessThan(script.length / 10);
    expect(brotliDecompressSync(br.body).toString()).toBe(script);
    const gzip = await rawGet(`${app.url}/assets/app-ABC123.js`, { 'accept-encoding': 'gzip' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).toString()).toBe(script);
  });

  it('answers 304 to a revalidation with the same ETag, and 404 for an unknown asset', async () => {
    const first = await rawGet(`${app.url}/`);
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^".+"$/);
    expect((await rawGet(`${app.url}/`, { 'if-none-match': etag })).status).toBe(304);
    const unknown = await rawGet(`${app.url}/assets/nope.js`);
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body.toString()).error.code).toBe('not_found');
    expect((await rawGet(`${app.url}/assets/..%2Findex.html`)).status).toBe(404);
  });

  it('asks for the read credentials at the page, not for its public assets', async () => {
    const page = await rawGet(`${locked.url}/`);
    expect(page.status).toBe(401);
    expect(page.headers['www-authenticate']).toMatch(/Basic/);
    expect((await rawGet(`${locked.url}/`, { authorization: 'Bearer page-token' })).status).toBe(200);
    expect((await rawGet(`${locked.url}/assets/app-ABC123.js`)).status).toBe(200);
  });
});
