import { z } from 'zod';
import type { PatchOperation } from '@azure/cosmos';
import { LATENCY_BUCKETS, hourOf, statsFromCounts, type CounterChange, type CountedStats, type InFlight } from '../pipeline/stats-tally';
import { container } from './cosmos';
import { deferredCommit } from './deferred-commit';
import { cosmosStatus } from './errors';

/**
 * The channel's monitoring counters in Cosmos (container `channelStats`, pk /channelId):
 * one document per channel and clock hour, moved only by Cosmos' atomic patch `incr`, so
 * any number of workers count at once without reading or contending (and the mails one
 * instance closes within a second share a patch: deferred commit). `/stats` reads the
 * hours of its window (one partition query: at most 24 items a day, however many mails)
 * and the mail in flight (a query on the ledger's unfinished records only).
 */
export const HourCounters = z.object({
  id: z.string(),
  channelId: z.string(),
  type: z.literal('hour'),
  hour: z.string(),
  finished: z.number().int(),
  byOutcome: z.record(z.string(), z.number().int()),
  reasons: z.record(z.string(), z.number().int()),
  duplicates: z.number().int(),
  latency: z.array(z.number().int()),
});
export type HourCounters = z.infer<typeof HourCounters>;

const hourId = (hour: string) => `hour:${hour}`;
/** JSON Pointer escaping (RFC 6901): a reason code may hold `/` or `~`. */
const pointer = (path: readonly string[]) => `/${path.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;

function emptyHour(channelId: string, hour: string): HourCounters {
  return { id: hourId(hour), channelId, type: 'hour', hour, finished: 0, byOutcome: {}, reasons: {}, duplicates: 0, latency: Array.from({ length: LATENCY_BUCKETS }, () => 0) };
}

/** The first document of an hour, with the change already in it. */
function createdWith(channelId: string, change: CounterChange): HourCounters {
  const doc = emptyHour(channelId, change.hour);
  for (const { path, by } of change.deltas) {
    const [head, key] = path;
    if (head === 'finished') doc.finished += by;
    else if (head === 'duplicates') doc.duplicates += by;
    else if (head === 'byOutcome' && key !== undefined) doc.byOutcome[key] = (doc.byOutcome[key] ?? 0) + by;
    else if (head === 'reasons' && key !== undefined) doc.reasons[key] = (doc.reasons[key] ?? 0) + by;
    else if (head === 'latency' && key !== undefined) doc.latency[Number(key)] = (doc.latency[Number(key)] ?? 0) + by;
  }
  return doc;
}

/**
 * Applies one hour's increments: a patch (one request); the hour's first count creates its
 * document, and a creator that loses to another (409) patches the winner's.
 */
async function applyChange(channelId: string, change: CounterChange): Promise<void> {
  const c = await container('channelStats');
  const ops: PatchOperation[] = change.deltas.map((d) => ({ op: 'incr', path: pointer(d.path), value: d.by }));
  for (let round = 0; round < 2; round++) {
    try {
      await c.item(hourId(change.hour), channelId).patch(ops);
      return;
    } catch (err) {
      if (cosmosStatus(err) !== 404) throw err;
    }
    try {
      await c.items.create(HourCounters.parse(createdWith(channelId, change)));
      return;
    } catch (err) {
      if (cosmosStatus(err) !== 409) throw err;
    }
  }
  throw new Error(`the stats counters of ${channelId} at ${change.hour} could be neither patched nor created`);
}

/** Cosmos takes at most 10 operations in one patch. */
const MAX_PATCH_OPS = 10;

/** The sum of several changes of one hour, by counter; counters that cancel out (a retry's -1 and +1) are left out. */
export function mergedDeltas(deltas: readonly CounterChange['deltas'][number][]): CounterChange['deltas'] {
  const sums = new Map<string, CounterChange['deltas'][number]>();
  for (const d of deltas) {
    const key = JSON.stringify(d.path);
    sums.set(key, { path: d.path, by: (sums.get(key)?.by ?? 0) + d.by });
  }
  return [...sums.values()].filter((d) => d.by !== 0);
}

/** At most one counter write per channel-hour and instance per second (deferred-commit.ts). */
export const COUNTER_WRITE_INTERVAL_MS = 1_000;

/**
 * One channel-hour's counters, written by deferred commit (deferred-commit.ts): a lone mail
 * is counted as it closes; the mails that close within a second after it are counted
 * together by one patch at the second's end — under load one request per channel-hour
 * and second instead of one per mail, and no mail waits for its count.
 */
const hourCounts = deferredCommit<CounterChange['deltas']>({
  intervalMs: COUNTER_WRITE_INTERVAL_MS,
  maxAttempts: 5,
  write: async (key, items) => {
    const [channelId, hour] = JSON.parse(key) as [string, string];
    const deltas = mergedDeltas(items.flat());
    for (let i = 0; i < deltas.length; i += MAX_PATCH_OPS) await applyChange(channelId, { hour, deltas: deltas.slice(i, i + MAX_PATCH_OPS) });
  },
  onError: (key, err, dropped, items) =>
    console.warn(
      dropped ? 'the stats counters could not be moved; these mails stay uncounted' : 'the stats counters could not be moved; retried in a second',
      JSON.stringify({ key, mails: items, error: String((err as Error)?.message ?? err) }),
    ),
});
const hourKey = (channelId: string, hour: string) => JSON.stringify([channelId, hour]);
const channelOfKey = (key: string) => (JSON.parse(key) as [string, string])[0];

let flushOnExit = false;
/** A process that ends on its own (a CLI, a test run) writes what waits first. */
function flushBeforeExit(): void {
  if (flushOnExit) return;
  flushOnExit = true;
  process.on('beforeExit', () => {
    if (hourCounts.busyKeys() > 0) void hourCounts.flushAll();
  });
}

/**
 * Counts one closed mail's increments (pipeline/stats-tally.ts `tallyChanges`) without
 * waiting for the write: the pipeline's way. At most once: what waits is lost if the
 * process dies hard within the second (see deferred-commit.ts).
 */
export function deferCounterChanges(channelId: string, changes: readonly CounterChange[]): void {
  flushBeforeExit();
  for (const change of changes) void hourCounts.add(hourKey(channelId, change.hour), change.deltas);
}

/** Channel-hours whose counts wait for their write (or are being written) in this process. */
export const countsWaiting = (): number => hourCounts.busyKeys();

/** Counts and waits until the counters carry it (seeding, tests). */
export async function applyCounterChanges(channelId: string, changes: readonly CounterChange[]): Promise<void> {
  deferCounterChanges(channelId, changes);
  await Promise.all(changes.map((change) => hourCounts.flush(hourKey(channelId, change.hour))));
}

/** Counts one more copy of a mail first attempted at `firstAttemptAt` (deferred, as a closed mail's count). */
export function countDuplicate(channelId: string, firstAttemptAt: string): void {
  deferCounterChanges(channelId, [{ hour: hourOf(firstAttemptAt), deltas: [{ path: ['duplicates'], by: 1 }] }]);
}

/**
 * Writes the counts waiting in this process: one channel's before its stats are read (an
 * instance reads what it counted itself; other instances' counts arrive within a second),
 * every channel's when the host stops the worker (functions/worker-shutdown.ts).
 */
export async function flushPendingCounts(channelId?: string): Promise<void> {
  await hourCounts.flushAll(channelId === undefined ? undefined : (key) => channelOfKey(key) === channelId);
}

/** The hours' counters from `since` (its hour included) on; all of them without. */
export async function readHourCounters(channelId: string, since?: string): Promise<HourCounters[]> {
  await flushPendingCounts(channelId);
  const c = await container('channelStats');
  const parameters = [{ name: '@channelId', value: channelId }, ...(since ? [{ name: '@hour', value: hourOf(since) }] : [])];
  const { resources } = await c.items
    .query({ query: `SELECT * FROM c WHERE c.channelId = @channelId AND c.type = 'hour'${since ? ' AND c.hour >= @hour' : ''}`, parameters })
    .fetchAll();
  return resources.map((r) => HourCounters.parse(r));
}

/** The unfinished mail of the channel: a query that reads only records not yet done. */
export async function readInFlight(channelId: string, since?: string): Promise<InFlight> {
  const c = await container('ledger');
  const parameters = [{ name: '@channelId', value: channelId }, ...(since ? [{ name: '@since', value: since }] : [])];
  const { resources } = await c.items
    .query<{ state: string; firstAttemptAt?: string }>({
      query:
        "SELECT c.state, c.timings.firstAttemptAt AS firstAttemptAt FROM c WHERE c.channelId = @channelId AND (c.state = 'received' OR c.state = 'decided')" +
        (since ? ' AND c.timings.firstAttemptAt >= @since' : ''),
      parameters,
    })
    .fetchAll();
  const out: InFlight = { received: 0, decided: 0 };
  for (const r of resources) {
    if (r.state === 'received') out.received++;
    else out.decided++;
    if (r.firstAttemptAt && (!out.since || r.firstAttemptAt < out.since)) out.since = r.firstAttemptAt;
  }
  return out;
}

/**
 * The channel's stats from its counters: mails by outcome, reasons, duplicates, latency
 * percentiles (histogram bucket bounds) of the mails first attempted at or after `since`
 * (by clock hour), and the mail in flight now.
 */
export async function counterStats(channelId: string, window: { since?: string } = {}): Promise<CountedStats> {
  const [hours, inFlight] = await Promise.all([readHourCounters(channelId, window.since), readInFlight(channelId, window.since)]);
  return statsFromCounts(hours, inFlight);
}
