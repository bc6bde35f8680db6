import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupCommit } from '../../../shared/store/group-commit';
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

test('a lone write starts at once; writes arriving while it is in flight go together in the next one', async () => {
  const { calls, write } = heldWrites();
  const commit = groupCommit(write);
  const first = commit('k', 1);
  await turns();
  assert.deepEqual(calls.map((c) => c.items), [[1]], 'no wait for company');
  const later = [commit('k', 2), commit('k', 3), commit('k', 4)];
  await turns();
  assert.equal(calls.length, 1, 'the three wait for the write in flight');
  calls[0]!.release();
  await first;
  await turns();
  assert.deepEqual(calls.map((c) => c.items), [[1], [2, 3, 4]]);
  calls[1]!.release();
  await Promise.all(later);
});

test('keys do not wait for each other', async () => {
  const { calls, write } = heldWrites();
  const commit = groupCommit(write);
  const a = commit('a', 1);
  const b = commit('b', 2);
  await turns();
  assert.deepEqual(calls.map((c) => [c.key, c.items]), [['a', [1]], ['b', [2]]]);
  for (const c of calls) c.release();
  await Promise.all([a, b]);
});

test('a failed write rejects exactly its own callers; the next round is written afresh', async () => {
  const { calls, write } = heldWrites();
  const commit = groupCommit(write);
  const first = commit('k', 1);
  await turns();
  const second = commit('k', 2);
  calls[0]!.release(new Error('429'));
  await assert.rejects(first, /429/);
  await turns();
  assert.deepEqual(calls[1]?.items, [2]);
  calls[1]!.release();
  await second;
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
