import { CronExpressionParser } from 'cron-parser';
import { parseTimeSpan } from '../timespan';

/**
 * A timer trigger's schedule, as the Timers extension reads it:
 *
 * - a 6-field NCRONTAB expression `{second} {minute} {hour} {day} {month} {day-of-week}`
 *   (numbers, `*`, ranges `a-b`, steps `/n`, lists `a,b`, month and day names; day of
 *   week 0–6 with 0 = Sunday). Unlike Vixie cron, NCRONTAB requires BOTH day fields to
 *   match when both are restricted ("0 0 9 13 * Fri" is Friday the 13th only);
 * - or a TimeSpan `hh:mm:ss`, an interval from the last run (App Service plans).
 *
 * Anything else is rejected with the host's message. Occurrences are computed by
 * cron-parser in the process's time zone (UTC in Azure unless WEBSITE_TIME_ZONE/TZ).
 */
export interface Schedule {
  text: string;
  /** The first occurrence strictly after `after`. */
  next(after: Date): Date;
  /** The Timers extension monitors schedules of one minute or more (useMonitor default). */
  defaultUseMonitor: boolean;
}

const FIELDS = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day-of-week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
] as const;

function invalid(text: string, why: string): Error {
  return new Error(`The schedule expression '${text}' was not recognized as a valid cron expression or timespan string (${why}).`);
}

/** Checks one field against NCRONTAB's grammar (no `?`, `L`, `W`, `#`, no 7 for Sunday). */
function checkField(text: string, value: string, field: (typeof FIELDS)[number]): void {
  const names: readonly string[] = 'names' in field ? field.names : [];
  const num = (s: string): number => {
    const i = names.indexOf(s.toLowerCase());
    if (i >= 0) return i + (field.name === 'month' ? 1 : 0);
    if (!/^\d+$/.test(s)) throw invalid(text, `"${s}" in the ${field.name} field`);
    const n = Number(s);
    if (n < field.min || n > field.max) throw invalid(text, `${n} is out of range ${field.min}-${field.max} for ${field.name}`);
    return n;
  };
  for (const item of value.split(',')) {
    const [range, step, extra] = item.split('/');
    if (extra !== undefined || range === undefined || range === '') throw invalid(text, `"${item}" in the ${field.name} field`);
    if (step !== undefined && !/^[1-9]\d*$/.test(step)) throw invalid(text, `step "${step}" in the ${field.name} field`);
    if (range === '*') continue;
    const [a, b, more] = range.split('-');
    if (more !== undefined || a === undefined) throw invalid(text, `"${range}" in the ${field.name} field`);
    const lo = num(a);
    if (b !== undefined && num(b) < lo) throw invalid(text, `"${range}" is a descending range in the ${field.name} field`);
  }
}

function parseCron(text: string): Schedule {
  const fields = text.trim().split(/\s+/);
  if (fields.length !== 6) throw invalid(text, `expected 6 fields {second} {minute} {hour} {day} {month} {day-of-week}, got ${fields.length}`);
  fields.forEach((f, i) => checkField(text, f, FIELDS[i] as (typeof FIELDS)[number]));
  const [, , , day, , dow] = fields as [string, string, string, string, string, string];
  const bothDaysRestricted = day !== '*' && dow !== '*';
  // cron-parser ORs the two day fields (Vixie cron); NCRONTAB ANDs them: iterate with the
  // day-of-week left open and keep only the dates whose weekday is allowed.
  const iterExpr = bothDaysRestricted ? [...fields.slice(0, 5), '*'].join(' ') : fields.join(' ');
  const allowedWeekdays = new Set<number>(CronExpressionParser.parse(`0 0 0 * * ${dow}`).fields.dayOfWeek.values.map((d) => Number(d) % 7));
  CronExpressionParser.parse(iterExpr); // throws early on anything cron-parser cannot read
  const next = (after: Date): Date => {
    const it = CronExpressionParser.parse(iterExpr, { currentDate: after });
    for (let i = 0; i < 10_000; i++) {
      const d = it.next().toDate();
      if (!bothDaysRestricted || allowedWeekdays.has(d.getDay())) return d;
    }
    throw new Error(`The schedule '${text}' has no occurrence in the foreseeable future`);
  };
  const probe = new Date();
  let monitor = true;
  let t = next(probe);
  for (let i = 0; i < 5; i++) {
    const u = next(t);
    if (u.getTime() - t.getTime() < 60_000) { monitor = false; break; }
    t = u;
  }
  return { text, next, defaultUseMonitor: monitor };
}

export function parseSchedule(text: string): Schedule {
  const interval = parseTimeSpan(text);
  if (interval !== undefined && /^\s*[\d.:-]+\s*$/.test(text)) {
    if (interval <= 0) throw invalid(text, 'the interval must be positive');
    return { text, next: (after) => new Date(after.getTime() + interval), defaultUseMonitor: interval >= 60_000 };
  }
  return parseCron(text);
}

/** The next `count` occurrences after `from` (the host logs the next five at start). */
export function nextOccurrences(schedule: Schedule, from: Date, count: number): Date[] {
  const out: Date[] = [];
  let t = from;
  for (let i = 0; i < count; i++) {
    t = schedule.next(t);
    out.push(t);
  }
  return out;
}
