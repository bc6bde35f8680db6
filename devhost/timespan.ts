/**
 * .NET TimeSpan strings as host.json and timer schedules write them:
 * `[-][d.]hh:mm[:ss[.fffffff]]` (e.g. "00:00:02", "1.00:00:00", "00:00:00.100").
 * Returns milliseconds, or undefined when the text is not a TimeSpan.
 */
export function parseTimeSpan(text: string): number | undefined {
  const m = /^\s*(-)?(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?\s*$/.exec(text);
  if (!m) return undefined;
  const [, neg, days, hours, minutes, seconds, fraction] = m;
  const h = Number(hours);
  const min = Number(minutes);
  const s = Number(seconds ?? '0');
  if (h > 23 || min > 59 || s > 59) return undefined;
  const frac = fraction ? Number(`0.${fraction}`) : 0;
  const ms = ((Number(days ?? '0') * 24 + h) * 60 + min) * 60_000 + (s + frac) * 1000;
  return neg ? -ms : Math.round(ms);
}

/** Parses a TimeSpan setting, naming the field when it is not one. */
export function timeSpanMs(value: string, field: string): number {
  const ms = parseTimeSpan(value);
  if (ms === undefined) throw new Error(`${field}: "${value}" is not a TimeSpan (hh:mm:ss[.fff])`);
  return ms;
}
