import { describe, expect, it } from 'vitest';
import { maskPassword, openDatabase, sqliteFilename } from './database.ts';

describe('knex on node:sqlite', () => {
  it('runs queries, inserts with returning, and rolls back a failed transaction', async () => {
    const db = await openDatabase('sqlite::memory:');
    try {
      expect(db.dialect).toBe('sqlite');
      await db.knex.schema.createTable('t', (table) => {
        table.increments('id');
        table.string('name').notNullable().unique();
        table.datetime('at').nullable();
      });
      expect(await db.knex('t').insert({ name: 'a', at: new Date(5) })).toEqual([1]);
      expect(await db.knex('t').insert({ name: 'b' }).returning(['id', 'name'])).toEqual([{ id: 2, name: 'b' }]);
      expect(await db.knex('t').where('name', 'a').update({ name: 'c' })).toBe(1);
      await expect(
        db.knex.transaction(async (trx) => {
          await trx('t').insert({ name: 'd' });
          await trx('t').insert({ name: 'c' });
        }),
      ).rejects.toThrow(/UNIQUE constraint failed/);
      expect((await db.knex('t').select('name').orderBy('id')).map((r) => r.name)).toEqual(['c', 'b']);
      expect((await db.knex('t').first('at'))?.at).toBe(5);
    } finally {
      await db.close();
    }
  });

  it('streams rows from a cursor, and stops when the consumer does', async () => {
    const db = await openDatabase('sqlite::memory:');
    try {
      await db.knex.raw('create table n (v integer)');
      await db.knex.raw(`insert into n (v) values ${Array.from({ length: 5_000 }, (_, i) => `(${i})`).join(',')}`);
      let sum = 0;
      for await (const row of db.knex('n').select('v').options({ rowsAsArray: true }).stream())
        sum += (row as number[])[0]!;
      expect(sum).toBe((4_999 * 5_000) / 2);
      let seen = 0;
      for await (const _row of db.knex('n').select('v').stream()) if (++seen === 10) break;
      // The connection is free again: the one-connection pool would otherwise hang here.
      expect(await db.knex('n').count({ c: '*' })).toEqual([{ c: 5_000 }]);
    } finally {
      await db.close();
    }
  });
});

describe('database URLs', () => {
  it('maps sqlite URLs and plain paths to files', () => {
    expect(sqliteFilename('sqlite:///var/lib/reco.db')).toBe('/var/lib/reco.db');
    expect(sqliteFilename('sqlite::memory:')).toBe(':memory:');
    expect(sqliteFilename('/data/x.db')).toBe('/data/x.db');
    expect(sqliteFilename('sqlite://rel/x.db')).toBe(`${process.cwd()}/rel/x.db`);
    expect(() => sqliteFilename('postgres://h/db')).toThrow(/unsupported database URL scheme/);
  });

  it('never shows a password', () => {
    expect(maskPassword('mysql://reco:s3cr%40t@db:3306/reco')).toBe('mysql://reco:***@db:3306/reco');
    expect(maskPassword('mysql://root@127.0.0.1:3306/x')).toBe('mysql://root@127.0.0.1:3306/x');
  });

  it('names the database it cannot open, without the password', async () => {
    await expect(openDatabase('mysql://u:hunter2@127.0.0.1:1/none')).rejects.toThrow(
      /^cannot open database mysql:\/\/u:\*\*\*@127\.0\.0\.1:1\/none: /,
    );
    await expect(openDatabase('mysql://u:hunter2@127.0.0.1:1/none')).rejects.not.toThrow(/hunter2/);
  });
});
