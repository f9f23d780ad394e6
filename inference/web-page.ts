/**
 * The web page at `/`: index.html and its assets, built by `npm run build:web` (esbuild, at
 * package time) into inference/web/dist. Files are read once into memory and compressed once
 * (brotli, gzip); the hashed assets are cached by browsers for a year, index.html revalidates.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { HttpError } from './http-error.ts';

export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('./web/dist', import.meta.url));

interface Asset {
  readonly type: string;
  readonly etag: string;
  readonly identity: Buffer;
  readonly gzip: Buffer | undefined;
  readonly br: Buffer | undefined;
}

interface WebPage {
  readonly index: Asset;
  readonly assets: ReadonlyMap<string, Asset>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
};

// Everything the page loads comes from this origin; it fetches only this service's API.
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

function asset(name: string, bytes: Buffer): Asset {
  const type = TYPES[extname(name)] ?? 'application/octet-stream';
  const compressible = !type.startsWith('image/png') && bytes.length > 512;
  return {
    type,
    etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`,
    identity: bytes,
    gzip: compressible ? gzipSync(bytes, { level: 9 }) : undefined,
    br: compressible ? brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }) : undefined,
  };
}

/** Reads the built page; undefined when it has not been built. */
export function loadWebPage(root: string): WebPage | undefined {
  let index: Buffer;
  try {
    index = readFileSync(join(root, 'index.html'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const assets = new Map<string, Asset>();
  let names: string[] = [];
  try {
    names = readdirSync(join(root, 'assets'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  for (const name of names) assets.set(name, asset(name, readFileSync(join(root, 'assets', name))));
  return { index: asset('index.html', index), assets };
}

function send(ctx: Context, file: Asset, cacheControl: string): void {
  ctx.set('Cache-Control', cacheControl);
  ctx.set('Vary', 'Accept-Encoding');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.status = 200;
  ctx.etag = file.etag;
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }
  ctx.type = file.type;
  // Brotli when the client takes it at all: browsers list gzip first with the same weight.
  const accepted = file.br || file.gzip ? ctx.acceptsEncodings() : [];
  if (file.br && accepted.includes('br')) {
    ctx.set('Content-Encoding', 'br');
    ctx.body = file.br;
  } else if (file.gzip && accepted.includes('gzip')) {
    ctx.set('Content-Encoding', 'gzip');
    ctx.body = file.gzip;
  } else {
    ctx.body = file.identity;
  }
}

/**
 * `/` (behind the read scope, so that a browser asks for the credentials the page's API calls
 * then carry) and `/assets/:file` (public: code and styles, no data). The build is looked for
 * at each request until it is found, then kept.
 */
export function addWebPageRoutes(router: Router, root: string, read: readonly Middleware[]): void {
  let page: WebPage | undefined;
  const built = (): WebPage => {
    page ??= loadWebPage(root);
    if (!page) {
      throw new HttpError(
        503,
        'web_page_not_built',
        `the web page has not been built: run \`npm run build:web\` (no index.html in ${root})`,
      );
    }
    return page;
  };

  router.get('/', ...read, (ctx) => {
    ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    ctx.set('Referrer-Policy', 'no-referrer');
    send(ctx, built().index, 'no-cache');
  });
  router.get('/assets/:file', (ctx) => {
    const file = built().assets.get(ctx.params.file ?? '');
    if (!file) throw new HttpError(404, 'not_found', `no asset ${ctx.params.file}`);
    // Names carry a content hash (app-3F2K1Q.js): a changed file is a new URL.
    send(ctx, file, 'public, max-age=31536000, immutable');
  });
}
