import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inParallel } from '../../shared/in-parallel';

test('every item is run once, in order of start, with never more than `width` in flight', async () => {
  const items = Array.from({ length: 25 }, (_, i) => i);
  const started: number[] = [];
  let inFlight = 0;
  let most = 0;
  await inParallel(items, 4, async (i) => {
    started.push(i);
    most = Math.max(most, ++inFlight);
    for (let k = 0; k < (i % 3) + 1; k++) await Promise.resolve();
    inFlight--;
  });
  assert.deepEqual(started, items);
  assert.equal(most, 4);
});

test('no items: nothing runs; fewer items than lanes: one lane each', async () => {
  let calls = 0;
  await inParallel([], 8, async () => void calls++);
  assert.equal(calls, 0);
  await inParallel(['a', 'b'], 8, async () => void calls++);
  assert.equal(calls, 2);
});
