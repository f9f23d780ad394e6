/**
 * What integration tests ask of the test environment. The vitest global setup (testenv/)
 * starts the servers once per run and exports their coordinates as MOVIE_RECO_TEST_* variables;
 * tests only read them through these helpers.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';

export interface TestDatabase {
  /** mysql://user:pass@host:port/database */
  readonly url: string;
  readonly database: string;
  drop(): Promise<void>;
}

export function mysqlServerUrl(): string {
  return process.env.MOVIE_RECO_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
}

/** A fresh, uniquely named database on the test MariaDB; `drop()` removes it. */
export async function createTestDatabase(prefix = 'test'): Promise<TestDatabase> {
  const server = new URL(mysqlServerUrl());
  const database = `mr_${prefix.replace(/[^a-z0-9_]/gi, '_')}_${randomBytes(4).toString('hex')}`;
  const admin = await mysql.createConnection(server.toString());
  try {
    await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
  } finally {
    await admin.end();
  }
  const url = new URL(server.toString());
  url.pathname = `/${database}`;
  return {
    url: url.toString(),
    database,
    async drop() {
      const conn = await mysql.createConnection(server.toString());
      try {
        await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
      } finally {
        await conn.end();
      }
    },
  };
}
