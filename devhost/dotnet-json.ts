/**
 * Date texts as the Functions host serialises them to the worker (Newtonsoft.Json's ISO
 * format: fraction trimmed of trailing zeros; DateTimeOffset with "+00:00", UTC DateTime
 * with "Z"). Azure runs in UTC unless WEBSITE_TIME_ZONE says otherwise; so does this host.
 */
export function dotNetDate(date: Date, zone: '+00:00' | 'Z' = '+00:00'): string {
  const iso = date.toISOString();
  const [main, frac = ''] = iso.slice(0, -1).split('.');
  const f = frac.replace(/0+$/, '');
  return `${main}${f ? `.${f}` : ''}${zone}`;
}

/** Trigger metadata value as the host sends a non-string .NET value: JSON text. */
export function jsonData(value: unknown): { json: string } {
  return { json: JSON.stringify(value) };
}
