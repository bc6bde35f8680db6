import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deferredCommit } from '../../../shared/store/deferred-commit';
import { mergedDeltas } from '../../../shared/store/channel-stats';

/** A write that holds until released, recording what each call carried. */
function heldWrites() {
  const calls: { key: string; items: number[]; release: (err?: Error) => void }[] = [];
  const write = (key: string, items: number[]) => new Promise<void>((resolve, reject) => calls.push({ key, items, release: (err) => (err ? reject(err) : resolve()) }));
  return { calls, write };
}

const turns = async (n = 3) => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
};

/** A deferred commit over held writes, with a clock the test moves and timers it fires. */
function commitWith(intervalMs = 1_000, maxAttempts = 3) {
  const held = heldWrites();
  const errors: { key: string; dropped: boolean; items: number }[] = [];
  let clock = 0;
  const commit = deferredCommit<number>({
    intervalMs,
    maxAttempts,
    write: held.write,
    onError: (key, _err, dropped, items) => errors.push({ key, dropped, items }),
    now: () => clock,
  });
  return { ...held, errors, commit, advance: (ms: number) => (clock += ms) };
}

test('a lone item is written at once; items within the interval after it wait and go together in one write', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { calls, commit, advance } = commitWith();
  const first = commit.add('k', 1);
  await turns();
  assert.deepEqual(calls.map((c) => c.items), [[1]], 'no wait for company');
  calls[0]!.release();
  await first;
  const later = [2, 3, 4].map((i) => commit.add('k', i));
  await turns();
  assert.equal(calls.length, 1, 'the interval has not passed: they wait');
  advance(1_000);
  t.mock.timers.tick(1_000);
  await turns();
  assert.deepEqual(calls.map((c) => c.items), [[1], [2, 3, 4]], 'one write for the three at the interval');
  calls[1]!.release();
  await Promise.all(later);
});

test('items added while a write is in flight go in the next write (group commit), and keys do not wait for each other', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { calls, commit, advance } = commitWith();
  const a = commit.add('a', 1);
  const b = commit.add('b', 2);
  await turns();
  assert.deepEqual(calls.map((c) => [c.key, c.items]), [['a', [1]], ['b', [2]]]);
  const a2 = commit.add('a', 3);
  advance(5_000);
  calls[0]!.release();
  await a;
  await turns();
  assert.deepEqual(calls[2]?.items, [3], 'the interval had passed when the write ended: at once');
  for (const c of calls.slice(1)) c.release();
  await Promise.all([b, a2]);
});

test('flush writes what waits now, without waiting for the interval', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { calls, commit } = commitWith();
  void commit.add('k', 1);
  await turns();
  calls[0]!.release();
  await turns();
  void commit.add('k', 2);
  void commit.add('other', 3);
  await turns();
  const flushed = commit.flush('k');
  await turns();
  assert.deepEqual(calls.map((c) => c.items), [[1], [3], [2]], 'k at once; the other key was free to go');
  calls[2]!.release();
  await flushed;
  assert.equal(commit.busyKeys(), 1, "only the other key's write in flight");
  calls[1]!.release();
  await turns();
  assert.equal(commit.busyKeys(), 0);
});

test('a failed write puts its items back for the next interval; after maxAttempts failures in a row they are dropped and reported', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { calls, commit, errors, advance } = commitWith(1_000, 2);
  const first = commit.add('k', 1);
  await turns();
  calls[0]!.release(new Error('429'));
  await assert.rejects(first, /429/, 'the round that carried it rejects');
  void commit.add('k', 2);
  advance(1_000);
  t.mock.timers.tick(1_000);
  await turns();
  assert.deepEqual(calls[1]?.items, [1, 2], 'retried with what came since');
  calls[1]!.release(new Error('503'));
  await turns();
  assert.deepEqual(errors, [
    { key: 'k', dropped: false, items: 1 },
    { key: 'k', dropped: true, items: 2 },
  ]);
  assert.equal(commit.busyKeys(), 0, 'nothing left waiting');
  void commit.add('k', 3);
  advance(1_000);
  t.mock.timers.tick(1_000);
  await turns();
  assert.deepEqual(calls[2]?.items, [3], 'the next items start afresh');
  calls[2]!.release();
});

test('flushAll writes every waiting key and never rejects', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { calls, commit } = commitWith();
  for (const key of ['a', 'b']) {
    void commit.add(key, 1);
    await turns();
    calls.at(-1)!.release();
    await turns();
    void commit.add(key, 2);
  }
  const all = commit.flushAll();
  await turns();
  assert.deepEqual(calls.slice(2).map((c) => [c.key, c.items]), [['a', [2]], ['b', [2]]]);
  calls[2]!.release(new Error('down'));
  calls[3]!.release();
  await all;
});

test('merged counter changes sum by counter and leave out what cancels (a retry moving a count)', () => {
  assert.deepEqual(
    mergedDeltas([
      { path: ['finished'], by: 1 },
      { path: ['byOutcome', 'created'], by: 1 },
      { path: ['finished'], by: 1 },
      { path: ['byOutcome', 'failed'], by: -1 },
      { path: ['byOutcome', 'created'], by: 1 },
      { path: ['byOutcome', 'failed'], by: 1 },
    ]),
    [
      { path: ['finished'], by: 2 },
      { path: ['byOutcome', 'created'], by: 2 },
    ],
  );
});
