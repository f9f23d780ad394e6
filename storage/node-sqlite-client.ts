import { once } from 'node:events';
import { createRequire } from 'node:module';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { Writable } from 'node:stream';

/**
 * A knex client for Node's built-in `node:sqlite`, so the embedded default needs no native addon.
 * It reuses knex's better-sqlite3 dialect (same SQL, same synchronous driver shape) and adapts
 * the three places where the drivers differ: opening, running a statement, and streaming.
 */
const require = createRequire(import.meta.url);
const BetterSqlite3Client = require('knex/lib/dialects/better-sqlite3/index.js') as new (config: object) => object;

interface QueryObject {
  sql: string;
  bindings?: unknown[];
  options?: { safeIntegers?: boolean; rowsAsArray?: boolean };
  response?: unknown;
  context?: { lastID: number | bigint; changes: number | bigint };
}

interface ConnectionSettings {
  filename: string;
  options?: { readonly?: boolean };
}

export class NodeSqliteClient extends BetterSqlite3Client {
  declare connectionSettings: ConnectionSettings;

  _driver(): typeof DatabaseSync {
    return DatabaseSync;
  }

  async acquireRawConnection(): Promise<DatabaseSync> {
    const readOnly = this.connectionSettings.options?.readonly === true;
    // Foreign keys on, as the schema relies on them; a busy timeout instead of SQLITE_BUSY
    // when another process (a trainer beside the CLI) holds the write lock for a moment.
    const db = new DatabaseSync(this.connectionSettings.filename, {
      readOnly,
      enableForeignKeyConstraints: true,
      timeout: 5_000,
    });
    if (!readOnly && this.connectionSettings.filename !== ':memory:') {
      // WAL: readers do not block the writer. synchronous=NORMAL is durable across a process
      // crash in WAL mode (an OS crash may lose the last commits, never corrupt the file).
      db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL');
    }
    // 64 MB page cache: bulk loads update the (user, movie) index in random order.
    db.exec('PRAGMA cache_size = -65536');
    return db;
  }

  async destroyRawConnection(connection: DatabaseSync): Promise<void> {
    connection.close();
  }

  async _query(connection: DatabaseSync, obj: QueryObject): Promise<QueryObject> {
    if (!obj.sql) throw new Error('The query is empty');
    if (!connection) throw new Error('No connection provided');
    const statement = prepare(connection, obj);
    const bindings = formatBindings(this, obj);
    if (returnsRows(statement)) {
      obj.response = statement.all(...bindings);
      return obj;
    }
    const result = statement.run(...bindings);
    obj.response = result;
    obj.context = { lastID: result.lastInsertRowid, changes: result.changes };
    return obj;
  }

  /** Rows one at a time from the statement's cursor, pausing while the consumer is behind. */
  async _stream(connection: DatabaseSync, obj: QueryObject, stream: Writable): Promise<void> {
    if (!obj.sql) throw new Error('The query is empty');
    try {
      const statement = prepare(connection, obj);
      for (const row of statement.iterate(...formatBindings(this, obj))) {
        if (stream.destroyed) return;
        if (!stream.write(row)) await drainOrClose(stream);
      }
      stream.end();
    } catch (error) {
      stream.emit('error', error);
      throw error;
    }
  }
}

// Module functions rather than private methods: knex derives transaction clients with
// Object.create(client), and private members do not exist on such objects.
function prepare(connection: DatabaseSync, obj: QueryObject): StatementSync {
  const statement = connection.prepare(obj.sql);
  if (typeof obj.options?.safeIntegers === 'boolean') statement.setReadBigInts(obj.options.safeIntegers);
  if (obj.options?.rowsAsArray) statement.setReturnArrays(true);
  return statement;
}

function formatBindings(client: object, obj: QueryObject): SQLInputValue[] {
  return (client as { _formatBindings(b: unknown[] | undefined): SQLInputValue[] })._formatBindings(obj.bindings);
}

/** A consumer that stops reading destroys the stream: then 'drain' never comes, 'close' does. */
async function drainOrClose(stream: Writable): Promise<void> {
  const controller = new AbortController();
  try {
    await Promise.race([
      once(stream, 'drain', { signal: controller.signal }),
      once(stream, 'close', { signal: controller.signal }),
    ]);
  } finally {
    controller.abort();
  }
}

function returnsRows(statement: StatementSync): boolean {
  return statement.columns().length > 0;
}

Object.assign(NodeSqliteClient.prototype, { driverName: 'node:sqlite' });
