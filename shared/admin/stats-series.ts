import { z } from 'zod';

/**
 * Mails per outcome over time, for the monitoring chart: points (a mail's first attempt and
 * its outcome, or a pre-aggregated counter with a `count`) into equal, clock-aligned time
 * buckets. Pure and linear in points + buckets (each point goes straight to its bucket by
 * arithmetic), so whatever feeds it — ledger records today, hourly counters later — the
 * work stays proportional to what it is given.
 */

/** Mail with no outcome yet (received, nothing decided). */
export const IN_FLIGHT = 'inFlight';
/** More buckets than a chart can show legibly; a caller asking for more picks a coarser bucket. */
export const MAX_BUCKETS = 500;

export const OutcomeSeries = z.object({
  bucketMinutes: z.number().int().positive(),
  /** Start of the first bucket (ISO); buckets are consecutive, `bucketMinutes` wide. */
  from: z.string(),
  /** End of the last bucket (exclusive). */
  to: z.string(),
  buckets: z.array(z.object({ start: z.string(), counts: z.record(z.string(), z.number().int().nonnegative()) })),
});
export type OutcomeSeries = z.infer<typeof OutcomeSeries>;

export interface OutcomePoint {
  /** ISO date-time the point is counted at (a mail's first attempt, or a counter's period start). */
  at?: string;
  outcome?: string;
  /** How many mails the point stands for (a counter); 1 when absent. */
  count?: number;
}

export interface SeriesWindow {
  bucketMinutes: number;
  /** Window start; absent = the earliest point (or `to` when there is none). */
  from?: Date;
  to: Date;
}

export class SeriesTooLongError extends Error {
  constructor(readonly buckets: number) {
    super(`the window holds ${buckets} buckets; at most ${MAX_BUCKETS}: choose a larger bucketMinutes or a later since`);
    this.name = 'SeriesTooLongError';
  }
}

/**
 * The points of hourly counters (store/channel-stats.ts: one document per clock hour with
 * its finished mails by outcome): one point per hour and outcome, carrying the count. Any
 * bucket of whole hours is then as exact as the ledger, from at most 24 documents a day.
 */
export function hourCounterPoints(hours: Iterable<{ hour: string; byOutcome: Record<string, number> }>): OutcomePoint[] {
  const points: OutcomePoint[] = [];
  for (const h of hours) for (const [outcome, count] of Object.entries(h.byOutcome)) if (count > 0) points.push({ at: h.hour, outcome, count });
  return points;
}

/** Buckets of `bucketMinutes`, aligned to multiples of it since the epoch (so hours start on the hour), covering [from, to]. */
export function outcomeSeries(points: Iterable<OutcomePoint>, window: SeriesWindow): OutcomeSeries {
  const size = window.bucketMinutes * 60_000;
  const list: { t: number; outcome: string; count: number }[] = [];
  let earliest = Number.POSITIVE_INFINITY;
  for (const p of points) {
    const t = p.at ? Date.parse(p.at) : Number.NaN;
    if (Number.isNaN(t)) continue;
    list.push({ t, outcome: p.outcome ?? IN_FLIGHT, count: p.count ?? 1 });
    if (t < earliest) earliest = t;
  }
  const end = window.to.getTime();
  const startAt = window.from ? window.from.getTime() : Math.min(earliest, end);
  const first = Math.floor(startAt / size) * size;
  const n = Math.floor(end / size) - first / size + 1;
  if (n > MAX_BUCKETS) throw new SeriesTooLongError(n);
  const buckets = Array.from({ length: Math.max(n, 0) }, (_, i) => ({ start: new Date(first + i * size).toISOString(), counts: {} as Record<string, number> }));
  for (const p of list) {
    const bucket = buckets[Math.floor((p.t - first) / size)];
    // outside the window (before `from`, or after `to`): not part of this series
    if (!bucket) continue;
    bucket.counts[p.outcome] = (bucket.counts[p.outcome] ?? 0) + p.count;
  }
  return { bucketMinutes: window.bucketMinutes, from: new Date(first).toISOString(), to: new Date(first + buckets.length * size).toISOString(), buckets };
}
