import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exponentialGaps, percentile } from '../../bench/push-latency';
import { seededRandom } from '../support/seeded-random';

test('percentile is the nearest-rank value: p50 of 1..200 is 100, p99 is 198, p100 the maximum', () => {
  const values = Array.from({ length: 200 }, (_, i) => 200 - i);
  assert.equal(percentile(values, 0.5), 100);
  assert.equal(percentile(values, 0.99), 198);
  assert.equal(percentile(values, 1), 200);
  assert.equal(percentile([7], 0.99), 7);
  assert.ok(Number.isNaN(percentile([], 0.5)));
});

test('exponential arrival gaps are positive, replay from their seed, and average near the mean', () => {
  const gaps = exponentialGaps(10_000, 750, seededRandom(9));
  assert.deepEqual(exponentialGaps(5, 750, seededRandom(9)), gaps.slice(0, 5));
  assert.ok(gaps.every((g) => g >= 0 && Number.isFinite(g)));
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  assert.ok(Math.abs(mean - 750) < 30, `mean ${mean}`);
  // An exponential distribution leaves about e^-2 ≈ 13.5 % of gaps above twice the mean: idle queues get measured too.
  const long = gaps.filter((g) => g > 1500).length / gaps.length;
  assert.ok(long > 0.11 && long < 0.16, `share of gaps over 1.5 s: ${long}`);
});
