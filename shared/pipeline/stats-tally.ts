import type { LedgerRecord, LedgerStats, Tally } from '../store/ledger';

/**
 * The channel's monitoring counters, as pure arithmetic: what a finished mail counts as
 * (its tally), what closing it again changes (the counter increments), and the stats
 * answer from a window of hourly counter documents. The store (store/channel-stats.ts)
 * applies the increments with Cosmos' atomic patch; the pipeline calls it once per
 * guarded transition into `done`, so the counts follow the ledger without reading it.
 */

const HOUR_MS = 3_600_000;

/**
 * Upper bounds (ms) of the latency histogram's buckets; one more bucket holds everything
 * above the last. Percentiles come out as the upper bound of the bucket they fall in —
 * coarse by design: a histogram of fixed size is what keeps the stats read constant.
 */
export const LATENCY_BOUNDS_MS = [1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000, 21_600_000, 86_400_000] as const;
export const LATENCY_BUCKETS = LATENCY_BOUNDS_MS.length + 1;

/** The start of the clock hour (UTC) an ISO date-time falls in, as ISO. */
export function hourOf(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new RangeError(`not a date-time: ${iso}`);
  return new Date(Math.floor(t / HOUR_MS) * HOUR_MS).toISOString();
}

export function latencyBucketOf(ms: number): number {
  const i = LATENCY_BOUNDS_MS.findIndex((bound) => ms <= bound);
  return i === -1 ? LATENCY_BOUNDS_MS.length : i;
}

/** What a closed record counts as: its outcome (and reason, when it failed or was rejected) in the hour it was first attempted. */
export function tallyOf(r: Pick<LedgerRecord, 'outcome' | 'reasonCode' | 'timings'>): Tally {
  const outcome = r.outcome ?? 'failed';
  const latency = r.timings.latencyMs;
  return {
    hour: hourOf(r.timings.firstAttemptAt),
    outcome,
    ...(r.reasonCode && (outcome === 'failed' || outcome === 'rejected') ? { reasonCode: String(r.reasonCode) } : {}),
    ...(typeof latency === 'number' ? { latencyBucket: latencyBucketOf(latency) } : {}),
  };
}

/** One counter to move: a path in the hour's counter document (`finished`, `byOutcome/<o>`, `reasons/<code>`, `latency/<i>`) and by how much. */
export interface CounterDelta {
  path: readonly [string] | readonly [string, string];
  by: number;
}

export interface CounterChange {
  hour: string;
  deltas: CounterDelta[];
}

const deltasOf = (t: Tally, sign: 1 | -1): CounterDelta[] => [
  { path: ['finished'], by: sign },
  { path: ['byOutcome', t.outcome], by: sign },
  ...(t.reasonCode ? [{ path: ['reasons', t.reasonCode] as const, by: sign }] : []),
  ...(t.latencyBucket !== undefined ? [{ path: ['latency', String(t.latencyBucket)] as const, by: sign }] : []),
];

/**
 * The counter increments of closing a record whose previous tally was `before` (a retry
 * of a mail counted already) as `after`: the old counts come off, the new go on; what
 * cancels out is left out, so a retry with the same outcome moves nothing. Grouped per
 * hour document (a record keeps its first attempt, so both usually fall in one hour).
 */
export function tallyChanges(before: Tally | undefined, after: Tally): CounterChange[] {
  const byHour = new Map<string, Map<string, CounterDelta>>();
  const add = (hour: string, d: CounterDelta) => {
    const deltas = byHour.get(hour) ?? new Map<string, CounterDelta>();
    byHour.set(hour, deltas);
    const key = JSON.stringify(d.path);
    const prev = deltas.get(key);
    deltas.set(key, { path: d.path, by: (prev?.by ?? 0) + d.by });
  };
  if (before) for (const d of deltasOf(before, -1)) add(before.hour, d);
  for (const d of deltasOf(after, 1)) add(after.hour, d);
  return [...byHour].flatMap(([hour, deltas]) => {
    const moving = [...deltas.values()].filter((d) => d.by !== 0);
    return moving.length ? [{ hour, deltas: moving }] : [];
  });
}

/** One hour's counters, as the store keeps them. */
export interface HourCounts {
  hour: string;
  finished: number;
  byOutcome: Record<string, number>;
  reasons: Record<string, number>;
  duplicates: number;
  latency: number[];
}

/** The mail not finished yet, by state, and the oldest one's first attempt. */
export interface InFlight {
  received: number;
  decided: number;
  since?: string;
}

/** The stats answer: the shape the ledger scan (store/ledger.ts `ledgerStats`, the exact recount) gives too. */
export type CountedStats = LedgerStats;

/** Upper bound of the bucket holding the p-th share of the histogram (the overflow bucket answers its lower bound). */
function percentileOf(histogram: readonly number[], p: number): number | undefined {
  const total = histogram.reduce((a, b) => a + b, 0);
  if (total <= 0) return undefined;
  const rank = Math.min(total, Math.floor(p * total) + 1);
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i] ?? 0;
    if (seen >= rank) return LATENCY_BOUNDS_MS[Math.min(i, LATENCY_BOUNDS_MS.length - 1)];
  }
  return LATENCY_BOUNDS_MS.at(-1);
}

const addInto = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
};
/** Counts that a retry took back to zero stay in the document; the answer names only what is there. */
const positive = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).filter(([, v]) => v > 0));

/** The stats of a window from its hours' counters and the mail in flight; linear in the hours, never in the mails. */
export function statsFromCounts(hours: readonly HourCounts[], inFlight: InFlight): CountedStats {
  const byOutcome: Record<string, number> = {};
  const reasons: Record<string, number> = {};
  const histogram: number[] = Array.from({ length: LATENCY_BUCKETS }, () => 0);
  let finished = 0;
  let duplicates = 0;
  for (const h of hours) {
    finished += h.finished;
    duplicates += h.duplicates;
    addInto(byOutcome, h.byOutcome);
    addInto(reasons, h.reasons);
    h.latency.forEach((n, i) => {
      if (i < histogram.length) histogram[i] = (histogram[i] ?? 0) + n;
    });
  }
  let top = -1;
  histogram.forEach((n, i) => {
    if (n > 0) top = i;
  });
  const count = inFlight.received + inFlight.decided;
  return {
    total: finished + count,
    byOutcome: positive(byOutcome),
    inFlight: count,
    inFlightByState: { received: inFlight.received, decided: inFlight.decided },
    ...(inFlight.since ? { inFlightSince: inFlight.since } : {}),
    duplicates,
    latencyMs: { p50: percentileOf(histogram, 0.5), p95: percentileOf(histogram, 0.95), max: top === -1 ? undefined : LATENCY_BOUNDS_MS[Math.min(top, LATENCY_BOUNDS_MS.length - 1)] },
    reasons: Object.entries(positive(reasons))
      .map(([code, n]) => ({ code, count: n }))
      .sort((a, b) => b.count - a.count),
  };
}
