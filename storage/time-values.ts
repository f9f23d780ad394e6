/**
 * A DATETIME as the drivers return it: a Date from mysql2, epoch milliseconds from node:sqlite
 * (knex binds Dates as numbers there), or 'YYYY-MM-DD HH:MM:SS' text from SQLite's
 * CURRENT_TIMESTAMP default (UTC).
 */
export type StoredDatetime = Date | number | string;

export function toDate(value: StoredDatetime | null | undefined): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
}

export function toNumberOrNull(value: number | string | null | undefined): number | null {
  return value === null || value === undefined ? null : Number(value);
}
