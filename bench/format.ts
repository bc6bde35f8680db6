/** Number formatting for the printed figures (the JSON summary keeps full precision). */
export const perSecond = (count: number, ms: number): number => (ms > 0 ? count / (ms / 1000) : 0);

export function fixed(n: number, digits = 1): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export const mb = (bytes: number): string => `${fixed(bytes / 1024 / 1024, 1)} MB`;

export const seconds = (ms: number): string => `${fixed(ms / 1000, 2)} s`;

/** `a / b`, rounded for printing; 0 when b is 0. */
export const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);

/** `{ a: 1, b: 2 }` → `a 1, b 2` (sorted by name). */
export function listCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort(([a], [b]) => a.localeCompare(b));
  return entries.length ? entries.map(([k, v]) => `${k} ${v}`).join(', ') : '—';
}

/** Rounds every number in a JSON-able value (for the summary: 3 significant decimals is plenty). */
export function rounded<T>(value: T, digits = 3): T {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toFixed(digits)) : v))) as T;
}

/**
 * Rows as a text table: the first row is the header, the first column left-aligned, the
 * others right-aligned (they hold figures), columns two spaces apart.
 */
export function table(rows: readonly (readonly string[])[]): string[] {
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    widths
      .map((w, i) => {
        const cell = r[i] ?? '';
        return i === 0 ? cell.padEnd(w) : cell.padStart(w);
      })
      .join('  ')
      .trimEnd(),
  );
}
