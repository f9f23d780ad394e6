/** Five-field cron schedules (minute hour day-of-month month day-of-week), evaluated in UTC. */
const names: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
  sun: 0,
  mon: 1,
  tue: 2,
  wed: 3,
  thu: 4,
  fri: 5,
  sat: 6,
};
const ranges: [number, number][] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];

export interface Schedule {
  matches(date: Date): boolean;
  /** The first minute strictly after `after` that the schedule fires, within a year and a day. */
  next(after: Date): Date | undefined;
}

function parseField(field: string, [min, max]: [number, number]): Set<number> {
  const values = new Set<number>();
  for (const part of field.toLowerCase().split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    // Digits or a name only: Number('') is 0, which would read "-" or "1,,2" as minute 0.
    const value = (text: string) => names[text] ?? (/^\d+$/.test(text) ? Number(text) : NaN);
    const [from, to] =
      range === '*'
        ? [min, max]
        : range.includes('-')
          ? (range.split('-').map(value) as [number, number])
          : [value(range), stepText === undefined ? value(range) : max];
    if (![from, to, step].every(Number.isInteger) || from < min || to > max || from > to || step < 1)
      throw new Error(`invalid cron field ${JSON.stringify(field)}`);
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

export function parseSchedule(expression: string): Schedule {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`a schedule has five fields, got ${JSON.stringify(expression)}`);
  const [minutes, hours, days, months, weekdays] = fields.map((f, i) => parseField(f, ranges[i]!)) as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  if (weekdays.has(7)) weekdays.add(0);
  // As in cron: when both day fields are restricted, either may match.
  const dayRestricted = fields[2] !== '*';
  const weekdayRestricted = fields[4] !== '*';
  const dayMatches = (d: Date) => {
    const byDay = days.has(d.getUTCDate());
    const byWeekday = weekdays.has(d.getUTCDay());
    return dayRestricted && weekdayRestricted ? byDay || byWeekday : byDay && byWeekday;
  };
  const matches = (d: Date) =>
    minutes.has(d.getUTCMinutes()) && hours.has(d.getUTCHours()) && months.has(d.getUTCMonth() + 1) && dayMatches(d);
  return {
    matches,
    next(after) {
      const t = new Date(after.getTime());
      t.setUTCSeconds(0, 0);
      t.setUTCMinutes(t.getUTCMinutes() + 1);
      const limit = after.getTime() + 367 * 24 * 3600_000;
      while (t.getTime() <= limit) {
        if (!months.has(t.getUTCMonth() + 1) || !dayMatches(t)) {
          t.setUTCHours(24, 0, 0, 0);
          continue;
        }
        if (!hours.has(t.getUTCHours())) {
          t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
          continue;
        }
        if (minutes.has(t.getUTCMinutes())) return t;
        t.setUTCMinutes(t.getUTCMinutes() + 1);
      }
      return undefined;
    },
  };
}
