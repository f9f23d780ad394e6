import { describe, expect, it } from 'vitest';
import { parseSchedule } from './cron.ts';

const next = (expression: string, after: string) => parseSchedule(expression).next(new Date(after))?.toISOString();

describe('parseSchedule', () => {
  it('finds the next firing minute in UTC', () => {
    expect(next('* * * * *', '2026-11-25T12:00:30Z')).toBe('2026-11-25T12:01:00.000Z');
    expect(next('0 3 * * *', '2026-11-25T12:00:00Z')).toBe('2026-11-26T03:00:00.000Z');
    expect(next('*/15 * * * *', '2026-11-25T12:07:00Z')).toBe('2026-11-25T12:15:00.000Z');
    expect(next('30 2 * * MON', '2026-11-25T12:00:00Z')).toBe('2026-11-30T02:30:00.000Z');
    expect(next('0 0 1 jan *', '2026-11-25T12:00:00Z')).toBe('2027-01-01T00:00:00.000Z');
    expect(next('0 12 1-7 * 1-5', '2026-11-25T12:00:00Z')).toBe('2026-11-26T12:00:00.000Z');
  });

  it('refuses what the CRD pattern lets through but cron cannot mean', () => {
    expect(() => parseSchedule('61 * * * *')).toThrow(/invalid cron field/);
    expect(() => parseSchedule('* * 0 * *')).toThrow(/invalid cron field/);
    expect(() => parseSchedule('* * * *')).toThrow(/five fields/);
  });
});
