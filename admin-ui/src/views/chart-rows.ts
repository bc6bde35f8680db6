import type { OutcomeSeries } from '../../../shared/admin/stats-series';

/**
 * The figures of the monitoring chart, its label and its table, from the stats series:
 * pure (no DOM, no Chart.js), so the three always agree and a unit test can read them.
 */

/** Outcome order and colours (Fluent 2 palette: success green, danger red, …), as the badges use them. */
export const OUTCOME_STYLE: readonly { key: string; label: string; color: string }[] = [
  { key: 'created', label: 'created', color: '#107c10' },
  { key: 'noted', label: 'noted', color: '#0f6cbd' },
  { key: 'ignored', label: 'ignored', color: '#8a8886' },
  { key: 'rejected', label: 'rejected', color: '#bc4b09' },
  { key: 'failed', label: 'failed', color: '#c50f1f' },
  { key: 'left', label: 'left', color: '#5c2e91' },
  { key: 'inFlight', label: 'in flight', color: '#00b7c3' },
];

export interface ChartRows {
  /** Outcomes with at least one mail in the window, in OUTCOME_STYLE order (unknown ones last). */
  outcomes: { key: string; label: string; color: string }[];
  labels: string[];
  /** Per outcome (same order), the count of each bucket. */
  counts: number[][];
  totals: Record<string, number>;
}

/** The figures the chart, its label and its table show: pure, so the three always agree. */
export function chartRows(series: OutcomeSeries, label: (iso: string) => string): ChartRows {
  const totals: Record<string, number> = {};
  for (const b of series.buckets) for (const [k, n] of Object.entries(b.counts)) totals[k] = (totals[k] ?? 0) + n;
  const known = OUTCOME_STYLE.filter((o) => totals[o.key]);
  const unknown = Object.keys(totals).filter((k) => !OUTCOME_STYLE.some((o) => o.key === k)).map((k) => ({ key: k, label: k, color: '#605e5c' }));
  const outcomes = [...known, ...unknown];
  return {
    outcomes,
    labels: series.buckets.map((b) => label(b.start)),
    counts: outcomes.map((o) => series.buckets.map((b) => b.counts[o.key] ?? 0)),
    totals,
  };
}

export function chartSummary(rows: ChartRows): string {
  const sum = Object.values(rows.totals).reduce((a, n) => a + n, 0);
  if (sum === 0) return 'No mail in this period.';
  return `${sum} mail(s) in this period: ${rows.outcomes.map((o) => `${rows.totals[o.key]} ${o.label}`).join(', ')}.`;
}
