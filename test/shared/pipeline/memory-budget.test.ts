import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBudget, memoryBudgetBytesFromEnv, tryAcquireAll } from '../../../shared/pipeline/memory-budget';

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

test('work that cannot wait (a dry run) is told "no room" at once, never overtakes a waiting mail, and runs alone when bigger than the budget', async () => {
  const budget = new MemoryBudget(100);
  const a = budget.tryAcquire(60);
  assert.ok(a);
  assert.equal(budget.tryAcquire(50), undefined, 'does not fit');
  const b = budget.tryAcquire(40);
  assert.ok(b);
  const waiting = budget.acquire(10);
  a();
  assert.equal(budget.queued, 0, 'the waiting mail got the room first');
  b();
  (await waiting)();
  const huge = budget.tryAcquire(500);
  assert.ok(huge, 'alone it runs');
  assert.equal(budget.tryAcquire(1), undefined);
  const queued = budget.acquire(1);
  huge();
  (await queued)();
  const big = await budget.acquire(90);
  const pending = budget.acquire(50);
  assert.equal(budget.tryAcquire(5), undefined, 'fits, but a mail is waiting');
  big();
  (await pending)();
  assert.equal(budget.bytesInUse, 0);
});

test('MEMORY_BUDGET_MIB sets the budget; a missing or unusable value gives the default 96 MiB', () => {
  assert.equal(memoryBudgetBytesFromEnv({ MEMORY_BUDGET_MIB: '4' }), 4 * 1024 * 1024);
  for (const v of [undefined, '', 'lots', '0', '-3', '1.5']) assert.equal(memoryBudgetBytesFromEnv({ MEMORY_BUDGET_MIB: v }), 96 * 1024 * 1024, String(v));
});

test('taking from several budgets at once takes from all or from none', () => {
  const process = new MemoryBudget(100);
  const dryRuns = new MemoryBudget(50);
  const first = tryAcquireAll([process, dryRuns], 40);
  assert.ok(first);
  assert.equal(tryAcquireAll([process, dryRuns], 40), undefined, 'the dry runs\' half is full');
  assert.equal(process.bytesInUse, 40, 'nothing kept from the budget that had room');
  first();
  assert.deepEqual([process.bytesInUse, dryRuns.bytesInUse], [0, 0]);
});
