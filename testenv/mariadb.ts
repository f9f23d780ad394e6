/**
 * MariaDB for the tests: the machine's server on 127.0.0.1:3306 (root, no password) when it answers;
 * otherwise a private mariadbd from Debian's mariadb-server on a free port with a temporary data
 * folder (installed with apt first if missing). MOVIE_RECO_TESTENV_MARIADB=private forces the latter.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { requireProgram } from './debian-packages.ts';
import { freePort, loopback } from './ports.ts';
import { startManaged, waitUntilReady, type ManagedProcess } from './processes.ts';

const run = promisify(execFile);

export const systemMariaDbUrl = `mysql://root@${loopback}:3306`;

export interface MariaDbServer {
  /** mysql://root@127.0.0.1:PORT, an account that may create and drop databases. */
  readonly url: string;
  readonly source: 'system' | 'private';
  readonly process?: ManagedProcess;
}

export interface PrivateMariaDb extends MariaDbServer {
  readonly source: 'private';
  readonly process: ManagedProcess;
  readonly port: number;
  /** mariadbd's own pid (the process behind the leash): what a crash drill kills. */
  readonly pidFile: string;
}

export interface PrivateMariaDbOptions {
  /** Listen on this port rather than a free one: a restart keeps its clients' URL. */
  port?: number;
  /**
   * 'fast' (the test environment's default): the redo log is flushed about once a second, so a
   * crash of mariadbd may lose the last second of commits. 'durable': flushed at every commit, as
   * MySQL's and MariaDB's defaults (and the chart's MySQL) do.
   */
  durability?: 'fast' | 'durable';
}

async function answers(url: string): Promise<boolean> {
  try {
    const conn = await mysql.createConnection({ uri: url, connectTimeout: 2000 });
    await conn.query('SELECT 1');
    await conn.end();
    return true;
  } catch {
    return false;
  }
}

export async function provideMariaDb(dir: string): Promise<MariaDbServer> {
  const mode = process.env.MOVIE_RECO_TESTENV_MARIADB ?? 'auto';
  if (mode !== 'private' && (await answers(systemMariaDbUrl))) return { url: systemMariaDbUrl, source: 'system' };
  if (mode === 'system')
    throw new Error(
      `MariaDB does not answer on ${systemMariaDbUrl} (root, no password); start it: ` +
        'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd',
    );
  return startPrivateMariaDb(dir);
}

function mariadbPrograms(): { server: string; installDb: string } {
  return {
    server: requireProgram('mariadbd', 'mariadb-server'),
    installDb: requireProgram('mariadb-install-db', 'mariadb-server'),
  };
}

/**
 * A private mariadbd with its data in `dir`. Started again on the same `dir` (after a stop or a
 * crash), it reuses the data folder as it is, as a restarted database server would.
 */
export async function startPrivateMariaDb(dir: string, options: PrivateMariaDbOptions = {}): Promise<PrivateMariaDb> {
  const { server, installDb } = mariadbPrograms();
  const dataDir = join(dir, 'mariadb-data');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const user = userInfo().username;
  const socket = join(dir, 'mariadb.sock');
  const pidFile = join(dir, 'mariadb.pid');
  if (!existsSync(join(dataDir, 'mysql'))) {
    await run(
      installDb,
      [
        '--no-defaults',
        `--datadir=${dataDir}`,
        `--user=${user}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
      ],
      {
        maxBuffer: 16 << 20,
      },
    );
  }
  const port = options.port ?? (await freePort());
  const args = [
    '--no-defaults',
    `--datadir=${dataDir}`,
    `--user=${user}`,
    `--port=${port}`,
    `--bind-address=${loopback}`,
    `--socket=${socket}`,
    `--pid-file=${pidFile}`,
    '--skip-log-bin',
    '--innodb-buffer-pool-size=64M',
    `--innodb-flush-log-at-trx-commit=${options.durability === 'durable' ? 1 : 0}`,
  ];
  const proc = startManaged('mariadbd', server, args, { logFile: join(dir, 'mariadb.log'), graceMs: 5000 });
  await waitUntilReady(
    proc,
    async () => {
      const conn = await mysql.createConnection({ socketPath: socket, user: 'root' });
      // root@localhost answers on the socket only; tests connect over TCP.
      await conn.query(`CREATE USER IF NOT EXISTS 'root'@'${loopback}'`);
      await conn.query(`GRANT ALL PRIVILEGES ON *.* TO 'root'@'${loopback}' WITH GRANT OPTION`);
      await conn.end();
      return true;
    },
    60_000,
  );
  return { url: `mysql://root@${loopback}:${port}`, source: 'private', process: proc, port, pidFile };
}
