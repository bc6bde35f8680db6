import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useEmulatorEnv, type EmulatorEnv } from './emulator-env';
import { claimFolderSync, completeFolderSync, readFolderState } from '../../../shared/store/sync-state';

let env: EmulatorEnv;
before(async () => { env = await useEmulatorEnv(); });
after(async () => { await env.stop(); });

const TTL = 60_000;

test('a folder lease is held by one sync; a crashed holder blocks only until the lease expires', async () => {
  const t0 = new Date('2026-12-01T10:00:00.000Z');
  const a = await claimFolderSync('ch-lease', 'INBOX', 'sync-a', t0, TTL);
  assert.ok(a, 'the first sync gets the folder');
  assert.equal(await claimFolderSync('ch-lease', 'INBOX', 'sync-b', new Date(t0.getTime() + 1000), TTL), undefined, 'a second sync does not');
  assert.ok(await claimFolderSync('ch-lease', 'Other', 'sync-b', t0, TTL), 'another folder is free');

  const c = await claimFolderSync('ch-lease', 'INBOX', 'sync-c', new Date(t0.getTime() + TTL + 1), TTL);
  assert.ok(c, 'after the lease time a new sync takes over from the crashed one');
  assert.equal(await completeFolderSync(a, { cursor: { lastUid: 1 }, lastListed: 1, resyncs: 0 }), 'lost', 'the old holder cannot store its position over the new one');
  assert.equal(await completeFolderSync(c, { cursor: { lastUid: 9 }, lastListed: 9, resyncs: 0 }), 'released');
  const stored = await readFolderState('ch-lease', 'INBOX');
  assert.deepEqual(stored?.cursor, { lastUid: 9 });
  assert.equal(stored?.lease, undefined);
});

test('a sync that finds the folder leased asks the holder to list once more, and the holder does before letting go', async () => {
  const now = new Date();
  const holder = await claimFolderSync('ch-again', 'INBOX', 'sync-a', now, TTL);
  assert.ok(holder);
  assert.equal(await claimFolderSync('ch-again', 'INBOX', 'sync-b', now, TTL), undefined);
  assert.equal(await claimFolderSync('ch-again', 'INBOX', 'sync-c', now, TTL), undefined, 'asked once is enough');

  const again = await completeFolderSync(holder, { cursor: { lastUid: 3 }, lastListed: 3, resyncs: 0 });
  assert.ok(typeof again === 'object', 'the holder keeps the folder for one more listing');
  assert.deepEqual(again.state.cursor, { lastUid: 3 }, 'from the position it just stored');
  assert.equal(await claimFolderSync('ch-again', 'INBOX', 'sync-d', now, TTL), undefined, 'still held');
  // sync-d asked again during the second listing; the holder may decline one more round
  assert.equal(await completeFolderSync(again, { cursor: { lastUid: 4 }, lastListed: 1, resyncs: 0 }, false), 'released');
  assert.ok(await claimFolderSync('ch-again', 'INBOX', 'sync-e', new Date(), TTL), 'free again');
});
