import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBudget } from '../../../shared/pipeline/memory-budget';

test('large mails wait for room in the memory budget and go in arrival order; small ones pass while there is room', async () => {
  const budget = new MemoryBudget(100);
  const releaseA = await budget.acquire(60);
  const releaseB = await budget.acquire(30);
  assert.equal(budget.bytesInUse, 90);
  const order: string[] = [];
  const c = budget.acquire(50).then((r) => { order.push('c'); return r; });
  const d = budget.acquire(5).then((r) => { order.push('d'); return r; });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, [], 'c does not fit; d waits behind c (no overtaking)');
  releaseA();
  const releaseC = await c;
  const releaseD = await d;
  assert.deepEqual(order, ['c', 'd']);
  assert.equal(budget.bytesInUse, 85);
  releaseB(); releaseC(); releaseD(); releaseD();
  assert.equal(budget.bytesInUse, 0, 'releasing twice counts once');
});

test('a mail larger than the whole budget still runs, alone', async () => {
  const budget = new MemoryBudget(10);
  const huge = await budget.acquire(500);
  let small = false;
  const pending = budget.acquire(1).then((r) => { small = true; return r; });
  await new Promise((r) => setImmediate(r));
  assert.equal(small, false);
  huge();
  (await pending)();
  assert.equal(small, true);
  assert.equal(budget.bytesInUse, 0);
});
