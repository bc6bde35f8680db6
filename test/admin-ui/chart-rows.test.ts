import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chartRows, chartSummary } from '../../admin-ui/src/views/chart-rows';
import { outcomeSeries } from '../../shared/admin/stats-series';

const series = outcomeSeries(
  [
    { at: '2026-12-06T13:05:00.000Z', outcome: 'failed' },
    { at: '2026-12-06T13:10:00.000Z', outcome: 'created' },
    { at: '2026-12-06T15:00:00.000Z', outcome: 'created' },
    { at: '2026-12-06T15:01:00.000Z', outcome: 'quarantined' },
    { at: '2026-12-06T15:02:00.000Z' },
  ],
  { bucketMinutes: 60, from: new Date('2026-12-06T13:00:00.000Z'), to: new Date('2026-12-06T15:30:00.000Z') },
);

test('the chart shows only the outcomes that occur, in a fixed order with unknown ones last, each with a label as well as a colour', () => {
  const rows = chartRows(series, (iso) => iso.slice(11, 16));
  assert.deepEqual(rows.outcomes.map((o) => o.label), ['created', 'failed', 'in flight', 'quarantined']);
  assert.ok(rows.outcomes.every((o) => /^#[0-9a-f]{6}$/.test(o.color)));
  assert.equal(new Set(rows.outcomes.map((o) => o.color)).size, rows.outcomes.length, 'no two outcomes share a colour');
  assert.deepEqual(rows.labels, ['13:00', '14:00', '15:00']);
  assert.deepEqual(rows.counts, [[1, 0, 1], [1, 0, 0], [0, 0, 1], [0, 0, 1]]);
});

test("the chart's text alternative states the period's totals per outcome, or that there was no mail", () => {
  assert.equal(chartSummary(chartRows(series, (iso) => iso)), '5 mail(s) in this period: 2 created, 1 failed, 1 in flight, 1 quarantined.');
  const empty = outcomeSeries([], { bucketMinutes: 60, to: new Date('2026-12-06T15:30:00.000Z') });
  assert.equal(chartSummary(chartRows(empty, (iso) => iso)), 'No mail in this period.');
});
