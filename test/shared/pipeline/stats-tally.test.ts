import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hourOf, LATENCY_BOUNDS_MS, LATENCY_BUCKETS, latencyBucketOf, statsFromCounts, tallyChanges, tallyOf, type HourCounts } from '../../../shared/pipeline/stats-tally';

const closed = (over: { outcome?: 'created' | 'failed' | 'rejected'; reasonCode?: string; latencyMs?: number; firstAttemptAt?: string } = {}) => ({
  outcome: over.outcome ?? 'created',
  reasonCode: over.reasonCode,
  timings: { firstAttemptAt: over.firstAttemptAt ?? '2026-12-06T14:35:10.000Z', ...(over.latencyMs !== undefined ? { latencyMs: over.latencyMs } : {}) },
});

test('a closed mail is counted in the clock hour of its first attempt, with its latency bucket; a reason only when it failed or was rejected', () => {
  assert.deepEqual(tallyOf(closed({ latencyMs: 1_500 })), { hour: '2026-12-06T14:00:00.000Z', outcome: 'created', latencyBucket: 1 });
  assert.deepEqual(tallyOf(closed({ outcome: 'rejected', reasonCode: 'DOMAIN_NOT_ALLOWED' })), { hour: '2026-12-06T14:00:00.000Z', outcome: 'rejected', reasonCode: 'DOMAIN_NOT_ALLOWED' });
  assert.equal(tallyOf({ ...closed(), reasonCode: 'X' }).reasonCode, undefined);
  assert.equal(hourOf('2026-12-06T14:59:59.999Z'), '2026-12-06T14:00:00.000Z');
});

test('latencies above the last bound fall in the overflow bucket', () => {
  assert.equal(latencyBucketOf(0), 0);
  assert.equal(latencyBucketOf(LATENCY_BOUNDS_MS.at(-1)!), LATENCY_BOUNDS_MS.length - 1);
  assert.equal(latencyBucketOf(LATENCY_BOUNDS_MS.at(-1)! + 1), LATENCY_BUCKETS - 1);
});

test('the first closing of a mail counts it once: finished, its outcome, its latency', () => {
  assert.deepEqual(tallyChanges(undefined, tallyOf(closed({ latencyMs: 500 }))), [
    { hour: '2026-12-06T14:00:00.000Z', deltas: [{ path: ['finished'], by: 1 }, { path: ['byOutcome', 'created'], by: 1 }, { path: ['latency', '0'], by: 1 }] },
  ]);
});

test('a retry of a failed mail that now makes a ticket moves one count from failed to created, and finished stays', () => {
  const before = tallyOf(closed({ outcome: 'failed', reasonCode: 'POISON', latencyMs: 500 }));
  const after = tallyOf(closed({ outcome: 'created', latencyMs: 500 }));
  assert.deepEqual(tallyChanges(before, after), [
    { hour: '2026-12-06T14:00:00.000Z', deltas: [{ path: ['byOutcome', 'failed'], by: -1 }, { path: ['reasons', 'POISON'], by: -1 }, { path: ['byOutcome', 'created'], by: 1 }] },
  ]);
});

test('closing a mail again with the same tally moves nothing', () => {
  const t = tallyOf(closed({ latencyMs: 3_000 }));
  assert.deepEqual(tallyChanges(t, t), []);
});

test('the stats answer sums its hours: outcomes and reasons without zeros, in-flight mail, latency percentiles as bucket bounds', () => {
  const latency = (counts: Record<number, number>) => Array.from({ length: LATENCY_BUCKETS }, (_, i) => counts[i] ?? 0);
  const hours: HourCounts[] = [
    { hour: '2026-12-06T13:00:00.000Z', finished: 10, byOutcome: { created: 8, failed: 2 }, reasons: { POISON: 2 }, duplicates: 1, latency: latency({ 0: 9, 3: 1 }) },
    // a retry took the failure back: the zero stays in the document, not in the answer
    { hour: '2026-12-06T14:00:00.000Z', finished: 10, byOutcome: { created: 10, failed: 0 }, reasons: { POISON: 0 }, duplicates: 0, latency: latency({ 1: 10 }) },
  ];
  const stats = statsFromCounts(hours, { received: 1, decided: 2, since: '2026-12-06T14:10:00.000Z' });
  assert.deepEqual(stats, {
    total: 23,
    byOutcome: { created: 18, failed: 2 },
    inFlight: 3,
    inFlightByState: { received: 1, decided: 2 },
    inFlightSince: '2026-12-06T14:10:00.000Z',
    duplicates: 1,
    latencyMs: { p50: 2_000, p95: 10_000, max: 10_000 },
    reasons: [{ code: 'POISON', count: 2 }],
  });
  assert.deepEqual(statsFromCounts([], { received: 0, decided: 0 }).latencyMs, { p50: undefined, p95: undefined, max: undefined });
});
