import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { createLogger } from '../common/log.ts';
import { NodeSqliteClient } from './node-sqlite-client.ts';

export type Dialect = 'mysql' | 'sqlite';

export interface Database {
  readonly knex: Knex;
  readonly dialect: Dialect;
  /** The URL with the password masked: safe to log. */
  readonly displayUrl: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Connection pool bounds (MySQL); SQLite always uses one connection. */
  pool?: { min?: number; max?: number };
}

/**
 * Opens `mysql://user:password@host:port/database` (production, through mysql2) or an embedded
 * SQLite file: `sqlite:///absolute/path.db`, `sqlite://relative/path.db`, `sqlite::memory:`,
 * or a plain file path. Does not migrate: see migrateToLatest.
 */
export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<Database> {
  const knex = url.startsWith('mysql://') || url.startsWith('mysql2://') ? mysqlKnex(url, options) : sqliteKnex(url);
  const dialect: Dialect = knex.client.config.client === 'mysql2' ? 'mysql' : 'sqlite';
  const displayUrl = maskPassword(url);
  try {
    await knex.raw('select 1');
  } catch (error) {
    await knex.destroy();
    throw new Error(`cannot open database ${displayUrl}: ${(error as Error).message}`, { cause: error });
  }
  return { knex, dialect, displayUrl, close: () => knex.destroy() };
}

// knex logs through console by default; its errors also reach the caller as rejections, so
// they only need to be visible when debugging.
const logger = createLogger({ component: 'knex' });
// During an outage the pool warns on every connection attempt, many a second, each with a stack
// trace: keep the first line, at most once per 10 s, and count what was left out.
let lastConnectionWarning = 0;
let suppressedConnectionWarnings = 0;
function warnConnection(message: string): void {
  const now = Date.now();
  if (now - lastConnectionWarning < 10_000) {
    suppressedConnectionWarnings++;
    return;
  }
  logger.warn(
    message.split('\n')[0]!,
    suppressedConnectionWarnings ? { suppressed: suppressedConnectionWarnings } : {},
  );
  lastConnectionWarning = now;
  suppressedConnectionWarnings = 0;
}
const log = {
  warn: (message: unknown) => {
    const text = String(message);
    if (text.startsWith('Acquire connection error')) warnConnection(text);
    else logger.warn(text);
  },
  deprecate: (method: string, alternative: string) => logger.warn(`${method} is deprecated, use ${alternative}`),
  error: (message: unknown) => logger.debug(String(message)),
  debug: (message: unknown) => logger.debug(String(message)),
};

function mysqlKnex(url: string, options: OpenDatabaseOptions): Knex {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database)
    throw new Error(`database URL ${maskPassword(url)} names no database (mysql://user:password@host:port/database)`);
  return knexFactory({
    client: 'mysql2',
    connection: {
      host: parsed.hostname,
      port: parsed.port ? Number(parsed.port) : 3306,
      user: decodeURIComponent(parsed.username),
      password: decodeURIComponent(parsed.password),
      database,
      charset: 'utf8mb4',
      // Dates go in and come out as UTC, whatever the server's or the pod's zone.
      timezone: 'Z',
      supportBigNumbers: true,
    },
    pool: { min: options.pool?.min ?? 0, max: options.pool?.max ?? 4 },
    log,
  });
}

function sqliteKnex(url: string): Knex {
  const filename = sqliteFilename(url);
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
  return knexFactory({
    client: NodeSqliteClient as unknown as typeof Knex.Client,
    connection: { filename },
    useNullAsDefault: true,
    // One connection: SQLite has one writer, and ':memory:' is private to its connection.
    pool: { min: 1, max: 1 },
    log,
  });
}

export function sqliteFilename(url: string): string {
  if (url === 'sqlite::memory:' || url === ':memory:') return ':memory:';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !url.startsWith('sqlite://')) {
    throw new Error(`unsupported database URL scheme in ${maskPassword(url)} (use mysql:// or sqlite://)`);
  }
  const path = url.startsWith('sqlite://') ? decodeURIComponent(url.slice('sqlite://'.length)) : url;
  if (!path) throw new Error(`database URL ${url} names no file`);
  return resolve(path);
}

export function maskPassword(url: string): string {
  return url.replace(/^([a-z0-9+.-]+:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}
