/**
 * MariaDB for the tests: the machine's server on 127.0.0.1:3306 (root, no password) when it answers;
 * otherwise a private mariadbd from Debian's mariadb-server on a free port with a temporary data
 * folder (installed with apt first if missing). MOVIE_RECO_TESTENV_MARIADB=private forces the latter.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import type { Logger } from '../common/log.ts';
import { findOnPath, installDebianPackage } from './debian-packages.ts';
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

export async function provideMariaDb(dir: string, log: Logger): Promise<MariaDbServer> {
  const mode = process.env.MOVIE_RECO_TESTENV_MARIADB ?? 'auto';
  if (mode !== 'private' && (await answers(systemMariaDbUrl))) return { url: systemMariaDbUrl, source: 'system' };
  if (mode === 'system') throw new Error(`MariaDB does not answer on ${systemMariaDbUrl} (root, no password); start it: start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd`);
  return startPrivateMariaDb(dir, log);
}

async function mariadbPrograms(log: Logger): Promise<{ server: string; installDb: string }> {
  let server = findOnPath('mariadbd');
  let installDb = findOnPath('mariadb-install-db');
  if (!server || !installDb) {
    log.info("installing Debian's mariadb-server (first run only)");
    await installDebianPackage('mariadb-server');
    server = findOnPath('mariadbd');
    installDb = findOnPath('mariadb-install-db');
  }
  if (!server || !installDb) throw new Error("mariadb-server is installed but mariadbd or mariadb-install-db is missing");
  return { server, installDb };
}

async function startPrivateMariaDb(dir: string, log: Logger): Promise<MariaDbServer> {
  const { server, installDb } = await mariadbPrograms(log);
  const dataDir = join(dir, 'mariadb-data');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const user = userInfo().username;
  const socket = join(dir, 'mariadb.sock');
  await run(installDb, ['--no-defaults', `--datadir=${dataDir}`, `--user=${user}`, '--auth-root-authentication-method=normal', '--skip-test-db'], {
    maxBuffer: 16 << 20,
  });
  const port = await freePort();
  const args = [
    '--no-defaults',
    `--datadir=${dataDir}`,
    `--user=${user}`,
    `--port=${port}`,
    `--bind-address=${loopback}`,
    `--socket=${socket}`,
    `--pid-file=${join(dir, 'mariadb.pid')}`,
    '--skip-log-bin',
    '--innodb-buffer-pool-size=64M',
    '--innodb-flush-log-at-trx-commit=0',
  ];
  const proc = startManaged('mariadbd', server, args, { logFile: join(dir, 'mariadb.log'), graceMs: 5000 });
  await waitUntilReady(proc, async () => {
    const conn = await mysql.createConnection({ socketPath: socket, user: 'root' });
    // root@localhost answers on the socket only; tests connect over TCP.
    await conn.query(`CREATE USER IF NOT EXISTS 'root'@'${loopback}'`);
    await conn.query(`GRANT ALL PRIVILEGES ON *.* TO 'root'@'${loopback}' WITH GRANT OPTION`);
    await conn.end();
    return true;
  }, 60_000);
  return { url: `mysql://root@${loopback}:${port}`, source: 'private', process: proc };
}
