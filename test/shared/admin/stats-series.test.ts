import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hourCounterPoints, IN_FLIGHT, MAX_BUCKETS, OutcomeSeries, outcomeSeries, SeriesTooLongError, type OutcomePoint } from '../../../shared/admin/stats-series';

const to = new Date('2026-12-06T15:20:00.000Z');

test('mails are counted per outcome in hourly buckets that start on the hour, the empty hours included', () => {
  const s = outcomeSeries(
    [
      { at: '2026-12-06T12:59:59.999Z', outcome: 'created' },
      { at: '2026-12-06T13:00:00.000Z', outcome: 'created' },
      { at: '2026-12-06T13:30:00.000Z', outcome: 'failed' },
      { at: '2026-12-06T15:10:00.000Z', outcome: 'created' },
      { at: '2026-12-06T15:11:00.000Z' },
    ],
    { bucketMinutes: 60, from: new Date('2026-12-06T12:15:00.000Z'), to },
  );
  assert.deepEqual(OutcomeSeries.parse(s), s);
  assert.equal(s.from, '2026-12-06T12:00:00.000Z');
  assert.equal(s.to, '2026-12-06T16:00:00.000Z');
  assert.deepEqual(s.buckets, [
    { start: '2026-12-06T12:00:00.000Z', counts: { created: 1 } },
    { start: '2026-12-06T13:00:00.000Z', counts: { created: 1, failed: 1 } },
    { start: '2026-12-06T14:00:00.000Z', counts: {} },
    { start: '2026-12-06T15:00:00.000Z', counts: { created: 1, [IN_FLIGHT]: 1 } },
  ]);
});

test('points outside the window or without a date are left out; a counter point adds its count', () => {
  const s = outcomeSeries(
    [
      { at: '2026-12-06T11:59:00.000Z', outcome: 'created' },
      { at: '2026-12-06T16:00:00.000Z', outcome: 'created' },
      { outcome: 'created' },
      { at: 'not a date', outcome: 'created' },
      { at: '2026-12-06T15:00:00.000Z', outcome: 'noted', count: 7 },
    ],
    { bucketMinutes: 60, from: new Date('2026-12-06T12:00:00.000Z'), to },
  );
  assert.deepEqual(s.buckets.map((b) => b.counts), [{}, {}, {}, { noted: 7 }]);
});

test('without a start the series begins at the bucket of the earliest mail, and with no mail it is the one bucket of `to`', () => {
  const s = outcomeSeries([{ at: '2026-12-06T15:01:00.000Z', outcome: 'ignored' }, { at: '2026-12-06T14:47:00.000Z', outcome: 'rejected' }], { bucketMinutes: 15, to });
  assert.deepEqual(s.buckets, [
    { start: '2026-12-06T14:45:00.000Z', counts: { rejected: 1 } },
    { start: '2026-12-06T15:00:00.000Z', counts: { ignored: 1 } },
    { start: '2026-12-06T15:15:00.000Z', counts: {} },
  ]);
  assert.deepEqual(outcomeSeries([], { bucketMinutes: 60, to }).buckets, [{ start: '2026-12-06T15:00:00.000Z', counts: {} }]);
});

test('a window of more buckets than a chart can show is refused, naming the count', () => {
  const from = new Date(to.getTime() - MAX_BUCKETS * 60_000);
  assert.throws(() => outcomeSeries([], { bucketMinutes: 1, from, to }), (err: unknown) => err instanceof SeriesTooLongError && err.buckets === MAX_BUCKETS + 1);
  assert.equal(outcomeSeries([], { bucketMinutes: 2, from, to }).buckets.length, MAX_BUCKETS / 2 + 1);
});

test('200,000 mails are bucketed in one pass: each point is read once, whatever the number of buckets', () => {
  let reads = 0;
  const n = 200_000;
  const from = new Date(to.getTime() - 24 * 3600_000);
  function* points(): Generator<OutcomePoint> {
    for (let i = 0; i < n; i++) {
      reads++;
      yield { at: new Date(from.getTime() + (i % (24 * 60)) * 60_000).toISOString(), outcome: i % 2 ? 'created' : 'failed' };
    }
  }
  const s = outcomeSeries(points(), { bucketMinutes: 5, from, to });
  assert.equal(reads, n);
  assert.equal(s.buckets.reduce((sum, b) => sum + Object.values(b.counts).reduce((a, c) => a + c, 0), 0), n);
});

test('hourly counters feed the same buckets: hours sum into 6-hour buckets, exactly as their mails would', () => {
  const hours: { hour: string; byOutcome: Record<string, number> }[] = [
    { hour: '2026-12-06T05:00:00.000Z', byOutcome: { created: 2 } },
    { hour: '2026-12-06T06:00:00.000Z', byOutcome: { created: 1, failed: 1, ignored: 0 } },
    { hour: '2026-12-06T11:00:00.000Z', byOutcome: { noted: 4 } },
    { hour: '2026-12-06T12:00:00.000Z', byOutcome: { created: 3 } },
  ];
  assert.deepEqual(hourCounterPoints(hours).map((p) => [p.at?.slice(11, 13), p.outcome, p.count]), [['05', 'created', 2], ['06', 'created', 1], ['06', 'failed', 1], ['11', 'noted', 4], ['12', 'created', 3]]);
  const s = outcomeSeries(hourCounterPoints(hours), { bucketMinutes: 360, from: new Date('2026-12-06T05:30:00.000Z'), to });
  assert.deepEqual(s.buckets, [
    { start: '2026-12-06T00:00:00.000Z', counts: { created: 2 } },
    { start: '2026-12-06T06:00:00.000Z', counts: { created: 1, failed: 1, noted: 4 } },
    { start: '2026-12-06T12:00:00.000Z', counts: { created: 3 } },
  ]);
});
