/**
 * Reliability drill (issue 7): at least 10,000 random and malformed requests against the inference
 * service over a real socket, with MariaDB behind POST /v1/ratings and MinIO holding the models.
 * Every request comes from its own seeded generator, so one failure is reproduced by its index:
 *   FUZZ_SEED=<seed> FUZZ_ONLY=<index> npx vitest run inference/fuzz
 * FUZZ_REQUESTS changes the count (default 10,000), FUZZ_CONCURRENCY the connections (16);
 * FUZZ_DEBUG=1 names, for each failure, the request before it (with FUZZ_CONCURRENCY=1, the one
 * that used the same connection just before), FUZZ_EXAMPLES how many of each kind are printed.
 */
import http from 'node:http';
import { connect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/log.ts';
import { Random } from '../model/random.ts';
import { createTestDatabase, type TestBucket, type TestDatabase } from '../testenv/fixtures.ts';
import { serveConfigFromEnv } from './config.ts';
import { startService, type RunningService } from './service.ts';
import { seedCatalogue } from './testing/catalogue.ts';
import { bucketWithTestModels, testS3Env } from './testing/test-models-bucket.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20_250_007);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const ONLY = process.env.FUZZ_ONLY === undefined ? undefined : Number(process.env.FUZZ_ONLY);
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 16);
const CLIENT_TIMEOUT_MS = 10_000;
const MOVIES = 120;

const READER = 'basic:reader:reader-pw';
const WRITER_TOKEN = 'writer-token';
const ADMIN_TOKEN = 'admin-token';

interface FuzzRequest {
  index: number;
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body?: Buffer;
  /** A hand-written HTTP/1.1 message, for what an HTTP client refuses to send. */
  raw?: Buffer;
}

interface Outcome {
  status?: number;
  headers?: http.IncomingHttpHeaders;
  body?: Buffer;
  error?: string;
  ms: number;
}

// ---- generators ----

const pick = <T>(r: Random, items: readonly T[]): T => items[r.int(items.length)]!;
const chance = (r: Random, p: number): boolean => r.next() < p;
const repeat = (text: string, n: number): string => text.repeat(Math.max(0, n));

const knownRoutes: readonly [string, string][] = [
  ['GET', '/v1/recommendations'],
  ['GET', '/recommendations'],
  ['GET', '/v1/predict'],
  ['GET', '/predict'],
  ['GET', '/v1/movies/{id}/similar'],
  ['GET', '/v1/model'],
  ['GET', '/healthz'],
  ['GET', '/readyz'],
  ['GET', '/metrics'],
  ['GET', '/openapi.json'],
  ['GET', '/docs'],
  ['GET', '/v1/movies'],
  ['GET', '/v1/insights/models'],
  ['GET', '/v1/insights/epochs'],
  ['GET', '/v1/insights/ratings'],
  ['GET', '/v1/insights/traffic'],
  ['GET', '/'],
  ['GET', '/assets/{file}'],
  ['POST', '/v1/recommendations'],
  ['POST', '/v1/ratings'],
  ['POST', '/v1/admin/model'],
];

const garbagePaths = [
  '/',
  '//',
  '/v1',
  '/v1/',
  '/v2/recommendations',
  '/etc/passwd',
  '/../../../../etc/passwd',
  '/v1/../../../etc/passwd',
  '/%2e%2e/%2e%2e/etc/passwd',
  '/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
  '/..%2f..%2f..%2fetc/passwd',
  '/v1/movies/..%2F..%2Fmetrics/similar',
  '/v1/movies/../../metrics/similar',
  '/v1/admin/model/../../healthz',
  '/v1/movies//similar',
  '/v1/movies/%00/similar',
  '/v1/movies/%/similar',
  '/v1/movies/%ZZ/similar',
  '/v1/movies/%E0%A4%A/similar',
  '/v1/movies/%C0%AE%C0%AE/similar',
  '/v1/movies/%F0%9F%8E%AC/similar',
  '/v1/movies/1/similar/extra',
  '/v1/movies/1',
  '/v1/movies',
  '/\\..\\..\\windows\\win.ini',
  '/.env',
  '/.git/config',
  '/wp-login.php',
  '/admin',
  '/v1/admin',
  '/v1/admin/model/x',
  '/metrics/../openapi.json',
  '/docs/../../etc',
  '/%',
  '/%%%',
  '/%u002e%u002e/',
  '/;/v1/model',
  '/v1/model;jsessionid=1',
  '/v1/model%3Fx=1',
  '/V1/MODEL',
  '/HEALTHZ',
  '/healthz/',
  '/readyz//',
  '/~root',
  '/%C3%A9t%C3%A9',
  '/\u00e9\u00ff',
];

/** Values for an integer query parameter: valid, negative, huge, fractional, unicode, malformed. */
function integerText(r: Random): string {
  switch (r.int(14)) {
    case 0:
    case 1:
    case 2:
      return String(r.int(400));
    case 3:
      return String(-1 - r.int(1000));
    case 4:
      return pick(r, [
        '2147483647',
        '2147483648',
        '4294967296',
        '9007199254740993',
        '1e309',
        '99999999999999999999999999',
      ]);
    case 5:
      return `${r.int(100)}.${r.int(100)}`;
    case 6:
      return pick(r, [
        '',
        ' ',
        '+1',
        ' 1',
        '1 ',
        '0x10',
        '1e2',
        '-0',
        '00001',
        'NaN',
        'Infinity',
        '-Infinity',
        'null',
        'true',
        '[]',
        '{}',
      ]);
    case 7:
      return pick(r, ['\u0661\u0662', '\uff11', '\u00b2', '\u2163', '\ud83c\udfac', '\u0000', 'caf\u00e9', '\u202e1']);
    case 8:
      return repeat('9', 1 + r.int(3000));
    case 9:
      return pick(r, ['%', '%ZZ', '%00', '%E0%A4%A', '%2B1', '%20', '%C0%80']);
    case 10:
      return String(r.int(0x7fffffff));
    case 11:
      return `${r.int(10)};DROP TABLE ratings;--`;
    case 12:
      return "1' OR '1'='1";
    default:
      return String(1 + r.int(MOVIES));
  }
}

const encodeValue = (r: Random, value: string): string => {
  // Most values are percent-encoded as a client would; some go raw (only bytes the HTTP client accepts).
  if (chance(r, 0.7) || /[^\u0021-\u007e]/.test(value)) {
    const raw = /^%|%[0-9A-Za-z]{0,2}$/.test(value) && chance(r, 0.5);
    return raw ? value : encodeURIComponent(value);
  }
  return value.replace(/[#&]/g, encodeURIComponent);
};

function queryString(r: Random, names: readonly string[]): string {
  const parts: string[] = [];
  for (const name of names) {
    if (chance(r, 0.12)) continue; // missing
    const times = chance(r, 0.08) ? 2 + r.int(3) : 1; // repeated
    for (let k = 0; k < times; k++)
      parts.push(`${name}=${encodeValue(r, textParams.has(name) ? textValue(r) : integerText(r))}`);
  }
  if (chance(r, 0.2)) {
    parts.push(
      pick(r, [
        'x=1',
        'userId',
        'n',
        '=1',
        '&&&',
        '__proto__=1',
        'constructor[prototype]=1',
        'userId[]=1',
        'userId[0]=1',
        'a=%',
        `pad=${repeat('a', r.int(4000))}`,
        'n=',
        'userId=',
      ]),
    );
  }
  for (let k = r.int(3); k > 0; k--)
    parts.push(`${encodeURIComponent(randomText(r, 8))}=${encodeURIComponent(randomText(r, 8))}`);
  const shuffled = parts.sort(() => r.next() - 0.5);
  return shuffled.length > 0 || chance(r, 0.5) ? `?${shuffled.join('&')}` : '';
}

const textParams = new Set(['q', 'model', 'runId']);

/** An asset the page has, one it does not, or a path escaping the assets folder. */
function assetName(r: Random): string {
  return pick(r, ['app.js', 'index.css', '..%2F..%2Fpackage.json', '%2e%2e', encodeURIComponent(randomText(r, 20))]);
}

function textValue(r: Random): string {
  return pick(r, [
    () => randomText(r, 30),
    () => 'toy story',
    () => 'movielens',
    () => 'run-a',
    () => repeat('a', 150 + r.int(400)),
    () => '%',
    () => '',
    () => '../../etc/passwd',
    () => "' OR 1=1 --",
    () => '.*(a+)+$',
  ])();
}

function randomText(r: Random, max: number): string {
  const alphabets = [
    'abcxyz',
    '0123456789',
    ' \t',
    '\u00e9\u00fc\u00df',
    '\u4e2d\u6587',
    '\ud83c\udfac',
    '<>"\'`',
    '{}[]:,',
  ];
  let text = '';
  for (let k = r.int(max + 1); k > 0; k--) {
    const alphabet = pick(r, alphabets);
    text += alphabet.length === 2 && alphabet.charCodeAt(0) >= 0xd800 ? alphabet : alphabet[r.int(alphabet.length)];
  }
  return text;
}

function mutatePath(r: Random, path: string): string {
  switch (r.int(10)) {
    case 0:
      return `${path}/`;
    case 1:
      return `/${path}`;
    case 2:
      return path.toUpperCase();
    case 3:
      return `${path}/${encodeURIComponent(randomText(r, 12))}`;
    case 4:
      return `${path}${repeat('/a', 200 + r.int(2000))}`;
    case 5:
      return path.replace(/\/([^/]*)$/, '/../$1');
    default:
      return path;
  }
}

function movieSegment(r: Random): string {
  const value = integerText(r);
  if (value === '') return chance(r, 0.5) ? '' : '%20';
  return encodeURIComponent(value);
}

const ratingValues = [0.5, 1, 2.5, 3, 4.5, 5];

function jsonValue(r: Random, depth = 0): unknown {
  switch (r.int(depth > 3 ? 6 : 9)) {
    case 0:
      return null;
    case 1:
      return chance(r, 0.5);
    case 2:
      return pick(r, [0, -1, 1.5, 1e308, -1e-320, 2 ** 53 + 1, 3, 4.5, 0.1]);
    case 3:
      return randomText(r, 12);
    case 4:
      return String(r.int(100));
    case 5:
      return pick(r, [[], {}, '', ' ']);
    case 6:
      return Array.from({ length: r.int(5) }, () => jsonValue(r, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: r.int(4) }, () => [
          pick(r, ['userId', 'movieId', 'rating', 'ratings', 'n', 'uri', 'digest', randomText(r, 6)]),
          jsonValue(r, depth + 1),
        ]),
      );
  }
}

function validRating(r: Random): Record<string, unknown> {
  return { userId: 5000 + r.int(5000), movieId: 1 + r.int(MOVIES), rating: pick(r, ratingValues) };
}

/** A JSON body aimed at `route`: valid, subtly wrong, of the wrong type, or not JSON at all. */
function body(r: Random, route: string, bucket: string): { text: Buffer; oversize?: boolean } {
  const json = (value: unknown) => ({ text: Buffer.from(JSON.stringify(value)) });
  const base: Record<string, unknown> =
    route === '/v1/ratings'
      ? validRating(r)
      : route === '/v1/admin/model'
        ? {
            uri: pick(r, [
              `s3://${bucket}/models/run-a`,
              `s3://${bucket}/models/run-b`,
              `s3://${bucket}/models/run-corrupt`,
            ]),
          }
        : {
            ratings: Array.from({ length: r.int(8) }, () => ({
              movieId: 1 + r.int(MOVIES + 20),
              rating: pick(r, ratingValues),
            })),
            n: 1 + r.int(20),
          };
  switch (r.int(20)) {
    case 0:
    case 1:
    case 2:
    case 3:
      return json(base);
    case 4: {
      // one field of the wrong type or out of range
      const key = pick(r, Object.keys(base));
      return json({ ...base, [key]: jsonValue(r) });
    }
    case 5:
      return json({ ...base, [pick(r, ['extra', '__proto__', 'constructor', 'userID', ''])]: jsonValue(r) });
    case 6: {
      const copy = { ...base };
      delete copy[pick(r, Object.keys(base))];
      return json(copy);
    }
    case 7:
      return json(jsonValue(r));
    case 8: {
      // deep nesting
      const depth = pick(r, [100, 1000, 20_000, 100_000]);
      const kind = r.int(3);
      const text =
        kind === 0
          ? `${'['.repeat(depth)}${']'.repeat(depth)}`
          : kind === 1
            ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
            : `{"ratings":${'['.repeat(depth)}${']'.repeat(depth)}}`;
      return { text: Buffer.from(text) };
    }
    case 9: {
      // huge arrays
      const length = pick(r, [1001, 5000, 20_000]);
      const ratings = Array.from({ length }, (_, k) => ({ movieId: 1 + (k % MOVIES), rating: 3 }));
      return json(chance(r, 0.5) ? { ratings } : { ...base, ratings: Array.from({ length: 30_000 }, () => 1) });
    }
    case 10:
      return json({
        ratings: Array.from({ length: 1000 }, () => ({
          movieId: 1 + r.int(MOVIES * 2),
          rating: pick(r, ratingValues),
        })),
        n: 100,
      });
    case 11: {
      // malformed JSON
      const good = JSON.stringify(base);
      const broken = pick(r, [
        good.slice(0, Math.max(1, r.int(good.length))),
        `${good},`,
        good.replace(/"/g, "'"),
        `${good}}`,
        `\ufeff${good}`,
        good.replace(':', ''),
        '',
        'null',
        'undefined',
        'NaN',
        '{"rating": NaN}',
        '{"rating": Infinity}',
        '{"userId": 1, "movieId": 2, "rating": 3, }',
        '{"userId": 01, "movieId": 2, "rating": 3}',
        '{"userId": 1e400, "movieId": 2, "rating": 3}',
        '{"userId": 1, "movieId": 2, "rating": 1e-400}',
        '{"userId": -0, "movieId": 2, "rating": 3}',
        '{"userId": 1, "userId": "x", "movieId": 2, "rating": 3}',
        '\u0000\u0000',
        '[',
        '"\\ud800"',
      ]);
      return { text: Buffer.from(broken) };
    }
    case 12:
      return { text: Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0xc3, 0x28, 0x7d]) };
    case 13:
      // oversize: just above the limit, or far above it
      return { text: Buffer.from(`{"pad":"${repeat('x', pick(r, [262_144, 300_000, 2_000_000]))}"}`), oversize: true };
    case 14:
      return json({
        userId: base.userId ?? 1,
        movieId: pick(r, [0, 999_999, -5, 2 ** 31, 1.5]),
        rating: pick(r, [0, 0.25, 5.5, -1, 3.3, 1e308]),
      });
    case 15:
      return json({
        uri: pick(r, [
          '',
          '/',
          's3://',
          's3://nope',
          `s3://${bucket}`,
          'file:///etc',
          '/etc/passwd',
          '../../etc',
          'http://example.com/x',
          `s3://${bucket}/models/../models/run-a`,
          repeat('a', 5000),
        ]),
        digest: pick(r, [undefined, 'sha256:00', `sha256:${'0'.repeat(64)}`, 'md5:x']),
      });
    default:
      return json(base);
  }
}

function authorization(r: Random, route: string): string | undefined {
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const right =
    route === '/v1/ratings'
      ? `Bearer ${WRITER_TOKEN}`
      : route === '/v1/admin/model'
        ? `Bearer ${ADMIN_TOKEN}`
        : basic('reader', 'reader-pw');
  switch (r.int(16)) {
    case 0:
      return undefined;
    case 1:
      return basic('reader', 'wrong');
    case 2:
      return 'Basic !!!not-base64!!!';
    case 3:
      return 'Basic';
    case 4:
      return 'Bearer ';
    case 5:
      return `Bearer ${repeat('t', 4000 + r.int(4000))}`;
    case 6:
      return `bearer ${WRITER_TOKEN}`;
    case 7:
      return pick(r, [
        'Digest username="x"',
        'Negotiate abc',
        'Token abc',
        `Bearer ${WRITER_TOKEN}x`,
        `Basic ${Buffer.from('reader').toString('base64')}`,
        'Basic \u00e9\u00e9',
      ]);
    case 8:
      return `Bearer ${ADMIN_TOKEN}`;
    default:
      return right;
  }
}

const contentTypes = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/vnd.api+json',
  'application/json-patch+json',
  'JSON',
  '',
  '*/*',
];

const methods = [
  'GET',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'HEAD',
  'OPTIONS',
  'TRACE',
  'PROPFIND',
  'MKCOL',
  'LOCK',
  'PURGE',
  'SEARCH',
  'REPORT',
];

/** Messages an HTTP client would not send: bad request lines, bad headers, bad framing. */
function rawRequest(r: Random, port: number): Buffer {
  const host = `Host: 127.0.0.1:${port}\r\n`;
  const messages = [
    `FOO /v1/model HTTP/1.1\r\n${host}\r\n`,
    `get /v1/model HTTP/1.1\r\n${host}\r\n`,
    `GET /v1/model\u00e9 HTTP/1.1\r\n${host}\r\n`,
    `GET /v1/m odel HTTP/1.1\r\n${host}\r\n`,
    `GET /v1/model HTTP/9.9\r\n${host}\r\n`,
    `GET /v1/model HTTP/1.1\r\n${host}Bad Header\r\n\r\n`,
    `GET /v1/model HTTP/1.1\r\n${host}X: ${repeat('a', 20_000)}\r\n\r\n`,
    `GET /${repeat('a', 20_000)} HTTP/1.1\r\n${host}\r\n`,
    `POST /v1/ratings HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: -1\r\n\r\n`,
    `POST /v1/ratings HTTP/1.1\r\n${host}Content-Type: application/json\r\n` +
      'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    `POST /v1/ratings HTTP/1.1\r\n${host}Content-Type: application/json\r\n` +
      'Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
    `POST /v1/ratings HTTP/1.1\r\n${host}Content-Type: application/json\r\n` +
      'Content-Length: 10\r\nContent-Length: 11\r\n\r\n{}',
    `GET /v1/model HTTP/1.1\r\n\r\n`,
    `\r\n\r\n`,
    `${repeat('\u0000', 64)}\r\n\r\n`,
    `GET\r\n\r\n`,
    `GET /v1/model HTTP/1.1\n${host.replace('\r\n', '\n')}\n`,
    `GET /v1/model HTTP/1.1\r\n${host}Authorization: Basic ${Buffer.from('reader:reader-pw').toString('base64')}\r\n` +
      'Connection: close\r\n\r\n',
  ];
  const text = pick(r, messages);
  return Buffer.from(
    text.includes('Connection: close') ? text : text.replace(/\r\n\r\n/, '\r\nConnection: close\r\n\r\n'),
    'latin1',
  );
}

function generate(index: number, port: number, bucket: string): FuzzRequest {
  const r = new Random((SEED * 1_000_003 + index) >>> 0);
  const headers: Record<string, string | string[]> = {};
  if (chance(r, 0.03)) return { index, kind: 'raw', method: '', path: '', headers, raw: rawRequest(r, port) };

  let method: string;
  let route: string;
  let path: string;
  if (chance(r, 0.8)) {
    const [knownMethod, template] = pick(r, knownRoutes);
    route = template;
    method = chance(r, 0.85) ? knownMethod : pick(r, methods);
    path =
      template === '/v1/movies/{id}/similar'
        ? `/v1/movies/${movieSegment(r)}/similar`
        : template === '/assets/{file}'
          ? `/assets/${assetName(r)}`
          : template;
    if (chance(r, 0.12)) path = mutatePath(r, path);
  } else {
    route = 'garbage';
    method = pick(r, methods);
    path = chance(r, 0.8) ? pick(r, garbagePaths) : `/${encodeURIComponent(randomText(r, 40))}`;
    if (chance(r, 0.05)) path = `/${repeat('x', 1000 + r.int(9000))}`;
  }
  const takesParams = /recommendations|predict|similar|\/v1\/movies$|insights/.test(route);
  if (takesParams || chance(r, 0.1)) {
    const names = route.includes('predict')
      ? ['userId', 'movieId']
      : route.includes('similar')
        ? ['n']
        : route === '/v1/movies'
          ? ['q', 'n']
          : route.includes('insights')
            ? ['model', 'runId', 'n']
            : ['userId', 'n'];
    path += queryString(r, names);
  }
  path = path.replace(/[^\u0021-\u00ff]/g, (c) => encodeURIComponent(c));

  const auth = authorization(r, route);
  if (auth !== undefined) headers.authorization = auth;
  let payload: Buffer | undefined;
  if (method === 'POST' || method === 'PUT' || method === 'PATCH' || chance(r, 0.05)) {
    const b = body(r, route, bucket);
    payload = b.text;
    const type = chance(r, 0.85) ? 'application/json' : pick(r, contentTypes);
    if (type) headers['content-type'] = type;
    // Framed as a client frames it: Content-Length, or chunked where Node's client chunks (POST, PUT, PATCH).
    if (!['POST', 'PUT', 'PATCH'].includes(method) || chance(r, 0.9))
      headers['content-length'] = String(payload.length);
  }
  if (chance(r, 0.05)) headers.accept = pick(r, ['text/html', 'application/xml', '*/*', '', 'application/json;q=0']);
  if (chance(r, 0.03)) headers['content-encoding'] = pick(r, ['gzip', 'br', 'identity', 'x-unknown']);
  if (chance(r, 0.03)) headers['x-forwarded-for'] = pick(r, ['::1', '1.2.3.4, 5.6.7.8', 'garbage', repeat('1.', 500)]);
  if (chance(r, 0.02)) headers.expect = '100-continue';
  if (chance(r, 0.02)) headers.range = 'bytes=0-10';
  if (chance(r, 0.02)) headers.cookie = repeat('a=b; ', 300);
  return { index, kind: route, method, path, headers, body: payload };
}

// ---- transport ----

function sendHttp(port: number, agent: http.Agent, request: FuzzRequest): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: Omit<Outcome, 'ms'>) => {
      if (settled) return;
      settled = true;
      resolve({ ...outcome, ms: performance.now() - started });
    };
    let req: http.ClientRequest;
    try {
      req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: request.method,
          path: request.path,
          headers: request.headers,
          agent,
          timeout: CLIENT_TIMEOUT_MS,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => done({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', (error) =>
            done({ status: res.statusCode, headers: res.headers, error: `response: ${error.message}` }),
          );
        },
      );
    } catch (error) {
      done({ error: `client refused to send: ${(error as Error).message}` });
      return;
    }
    req.on('timeout', () => req.destroy(new Error(`no answer within ${CLIENT_TIMEOUT_MS} ms`)));
    req.on('error', (error) => done({ error: `${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}` }));
    if (request.headers.expect) req.on('continue', () => req.end(request.body));
    else req.end(request.body);
  });
}

function sendRaw(port: number, request: FuzzRequest): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(
      () => socket.destroy(new Error(`no answer within ${CLIENT_TIMEOUT_MS} ms`)),
      CLIENT_TIMEOUT_MS,
    );
    const finish = (error?: Error) => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks);
      const head = text.subarray(0, Math.max(0, text.indexOf('\r\n\r\n'))).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1];
      const headers: http.IncomingHttpHeaders = {};
      for (const line of head.split('\r\n').slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      let body: Buffer = text.subarray(text.indexOf('\r\n\r\n') + 4);
      if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
      resolve({
        ...(status ? { status: Number(status), headers, body } : {}),
        ...(error && !status ? { error: error.message } : {}),
        ...(!status && !error ? { error: 'the connection closed without a response' } : {}),
        ms: performance.now() - started,
      });
    };
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => finish(error));
    socket.on('close', () => finish());
    socket.write(request.raw!);
  });
}

function dechunk(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const eol = bytes.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(bytes.subarray(at, eol).toString('latin1'), 16);
    if (!size) break;
    parts.push(bytes.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

// ---- checks ----

/** 5xx the service documents for these requests; anything else at or above 500 is a failure. */
function documented5xx(request: FuzzRequest, status: number, code: string | undefined): boolean {
  // POST /v1/admin/model: 502 artifact_unreachable when the named store or artifact cannot be read (openapi.ts).
  return (
    status === 502 &&
    code === 'artifact_unreachable' &&
    request.method === 'POST' &&
    request.path.startsWith('/v1/admin/model')
  );
}

function problems(request: FuzzRequest, outcome: Outcome): string[] {
  const found: string[] = [];
  if (outcome.status === undefined) return [`no response: ${outcome.error}`];
  const { status } = outcome;
  const type = String(outcome.headers?.['content-type'] ?? '');
  const hasBody = request.method !== 'HEAD' && status !== 204 && status !== 304;
  let parsed: unknown;
  if (hasBody && type.startsWith('application/json')) {
    try {
      parsed = JSON.parse(outcome.body!.toString('utf8'));
    } catch {
      found.push(`a JSON content type with a body that is not JSON: ${outcome.body!.toString('utf8').slice(0, 200)}`);
    }
  }
  const code = (parsed as { error?: { code?: string } } | undefined)?.error?.code;
  if (status >= 500 && !documented5xx(request, status, code)) found.push(`status ${status} (${code ?? 'no code'})`);
  if (status >= 400 && hasBody) {
    if (!type.startsWith('application/json'))
      found.push(
        `error ${status} is not JSON (content-type ${JSON.stringify(type)}): ` +
          outcome.body!.toString('utf8').slice(0, 200),
      );
    else if (parsed !== undefined && !isErrorShape(parsed))
      found.push(`error ${status} does not have the service's error shape: ${JSON.stringify(parsed).slice(0, 200)}`);
  }
  if (status === 401 && !outcome.headers?.['www-authenticate']) found.push('401 without WWW-Authenticate');
  if (outcome.error && status < 400) found.push(`answered ${status} but: ${outcome.error}`);
  return found;
}

function isErrorShape(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Object.keys(value).join() !== 'error') return false;
  const error = (value as { error: unknown }).error;
  if (typeof error !== 'object' || error === null) return false;
  const e = error as Record<string, unknown>;
  const keys = Object.keys(e);
  return (
    typeof e.code === 'string' &&
    e.code !== '' &&
    typeof e.message === 'string' &&
    e.message !== '' &&
    keys.every((k) => k === 'code' || k === 'message' || (k === 'parameter' && typeof e.parameter === 'string'))
  );
}

function describeRequest(request: FuzzRequest): string {
  const cut = (text: string, max = 300) =>
    text.length > max ? `${text.slice(0, max)}... (${text.length} chars)` : text;
  if (request.raw) return `raw ${JSON.stringify(cut(request.raw.toString('latin1')))}`;
  const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, cut(String(v), 80)]));
  const body = request.body
    ? ` body=${JSON.stringify(cut(request.body.toString('utf8'), 200))} (${request.body.length} bytes)`
    : '';
  return `${request.method} ${cut(request.path)} headers=${JSON.stringify(headers)}${body}`;
}

function heapAfterGc(): { heapMiB: number; rssMiB: number } {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  gc?.();
  gc?.();
  const usage = process.memoryUsage();
  return { heapMiB: usage.heapUsed / 2 ** 20, rssMiB: usage.rss / 2 ** 20 };
}

describe('fuzzing the inference service', () => {
  let database: TestDatabase;
  let bucket: TestBucket;
  let service: RunningService;
  const logLines: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('fuzz');
    ({ bucket } = await bucketWithTestModels('fuzz'));
    await seedCatalogue(database.url, MOVIES, 'Drama|Comedy');

    const config = serveConfigFromEnv({
      MOVIE_RECO_MODEL_URI: `s3://${bucket.name}/models/run-a`,
      MOVIE_RECO_DATABASE_URL: database.url,
      MOVIE_RECO_DATABASE_TIMEOUT_MS: '5000',
      MOVIE_RECO_HOST: '127.0.0.1',
      MOVIE_RECO_PORT: '0',
      MOVIE_RECO_DRAIN_SECONDS: '2',
      ...testS3Env(),
      MOVIE_RECO_AUTH_READ: READER,
      MOVIE_RECO_AUTH_WRITE: `bearer:${WRITER_TOKEN}`,
      MOVIE_RECO_AUTH_ADMIN: `bearer:${ADMIN_TOKEN}`,
    });
    service = await startService(config, createLogger({}, { level: 'info', write: (line) => logLines.push(line) }));
  });

  afterAll(async () => {
    await service?.stop();
    await database?.drop();
    await bucket?.remove();
  });

  it(`answers ${REQUESTS} random and malformed requests: no 5xx, errors in the JSON shape, keeps serving`, async () => {
    const port = service.port;
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const before = heapAfterGc();
    const statuses = new Map<number | string, number>();
    const failures: string[] = [];
    let slowest = { ms: 0, request: '' };
    const indices = ONLY === undefined ? Array.from({ length: REQUESTS }, (_, k) => k) : [ONLY];
    let next = 0;
    let previous = '';
    const started = performance.now();
    const worker = async () => {
      while (next < indices.length) {
        const request = generate(indices[next++]!, port, bucket.name);
        const outcome = request.raw ? await sendRaw(port, request) : await sendHttp(port, agent, request);
        const key = outcome.status ?? 'no-response';
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        if (outcome.ms > slowest.ms) slowest = { ms: outcome.ms, request: describeRequest(request) };
        const found = problems(request, outcome);
        if (process.env.FUZZ_DEBUG && found.length > 0) found.push(`after ${previous}`);
        previous = describeRequest(request).slice(0, 400);
        if (found.length > 0) {
          failures.push(
            `#${request.index} (FUZZ_SEED=${SEED} FUZZ_ONLY=${request.index}): ${found.join('; ')}\n` +
              `    request: ${describeRequest(request)}`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (performance.now() - started) / 1000;
    agent.destroy();

    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    const model = await fetch(`http://127.0.0.1:${port}/v1/recommendations?userId=1&n=5`, {
      headers: { authorization: `Basic ${Buffer.from('reader:reader-pw').toString('base64')}` },
    });
    const after = heapAfterGc();
    const histogram = [...statuses.entries()]
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])))
      .map(([s, n]) => `${s}:${n}`)
      .join(' ');
    console.log(
      `fuzz: ${indices.length} requests (seed ${SEED}) in ${seconds.toFixed(1)} s, ` +
        `${(indices.length / seconds).toFixed(0)} req/s; statuses ${histogram}; failures ${failures.length}; ` +
        `slowest ${slowest.ms.toFixed(0)} ms (${slowest.request.slice(0, 160)}); ` +
        `heap after GC ${before.heapMiB.toFixed(1)} -> ${after.heapMiB.toFixed(1)} MiB, ` +
        `RSS ${before.rssMiB.toFixed(0)} -> ${after.rssMiB.toFixed(0)} MiB`,
    );
    if (failures.length > 0) {
      // A few examples of each kind of failure.
      const byKind = new Map<string, string[]>();
      for (const failure of failures) {
        const kind = /\): ([^:(]*)/.exec(failure)?.[1] ?? failure;
        byKind.set(kind, [...(byKind.get(kind) ?? []), failure]);
      }
      const lines = [...byKind.entries()].map(
        ([kind, list]) =>
          `${list.length} x ${kind}:\n${list.slice(0, Number(process.env.FUZZ_EXAMPLES ?? 3)).join('\n')}`,
      );
      console.log(`fuzz failures (${failures.length}):\n${lines.join('\n')}`);
    }
    expect(failures.slice(0, 20)).toEqual([]);
    // The run reached every layer: stored ratings, refused credentials, bodies, methods, the HTTP parser.
    for (const status of [200, 201, 400, 401, 404, 405, 413, 415, 422, 431])
      expect(statuses.get(status) ?? 0, `answers ${status}`).toBeGreaterThan(0);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect(ready.status).toBe(200);
    expect(model.status).toBe(200);
    // Bounded caches and no leak: the whole run (10k requests, every cache filling) stays well under this.
    expect(after.heapMiB - before.heapMiB).toBeLessThan(150);
    const unhandled = logLines.filter((line) => line.includes('"unhandled error"'));
    expect(unhandled.slice(0, 5)).toEqual([]);
  }, 120_000);
});
