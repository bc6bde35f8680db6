import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useEmulatorEnv, type EmulatorEnv } from './emulator-env';
import { countRequests } from './count-requests';
import { createLedger, readLedger, replaceLedger, type LedgerRecord } from '../../../shared/store/ledger';
import { lookupConversation, lookupMessageIds, receivedMailEntries, recordReceivedMail } from '../../../shared/store/thread-index';
import { cosmosStatus } from '../../../shared/store/errors';

let env: EmulatorEnv;
before(async () => { env = await useEmulatorEnv(); });
after(async () => { await env.stop(); });

const at = new Date('2026-12-06T10:00:00.000Z');

function received(channelId: string, id: string): LedgerRecord {
  return {
    id,
    channelId,
    state: 'received',
    messageId: `<${id}@client.example.org>`,
    source: { protocol: 'graph', folder: 'Inbox', messageId: `g-${id}` },
    imported: false,
    attempts: 1,
    stages: [],
    duplicates: [],
    retries: 0,
    timings: { firstAttemptAt: at.toISOString() },
    updatedAt: at.toISOString(),
  };
}

const closedFrom = (r: LedgerRecord): LedgerRecord => ({ ...r, state: 'done', outcome: 'created', ticketId: 'T-1' });

test("a record's close and its mail's thread-index entries are one request", async () => {
  const r = received('ch-a', 'a'.repeat(40));
  const created = (await createLedger(r))!;
  const entries = receivedMailEntries('ch-a', { messageId: r.messageId, conversationId: 'AAQkConv-a' }, 'T-1', at);
  let closed: Awaited<ReturnType<typeof replaceLedger>> | undefined;
  assert.deepEqual(await countRequests(async () => { closed = await replaceLedger(closedFrom(r), created.etag, entries); }), { read: 0, create: 0, batch: 1, patch: 0 });
  const stored = await readLedger('ch-a', r.id);
  assert.equal(stored?.record.state, 'done');
  assert.equal(stored?.etag, closed?.etag, 'the ETag returned is the stored one: the next guarded write can use it');
  assert.equal((await lookupMessageIds('ch-a', [r.messageId!]))[0]?.ticketId, 'T-1');
  assert.equal((await lookupConversation('ch-a', 'AAQkConv-a'))?.ticketId, 'T-1');
});

test('a close that lost its race fails with 412 and leaves the record as the winner wrote it', async () => {
  const r = received('ch-b', 'b'.repeat(40));
  const created = (await createLedger(r))!;
  await replaceLedger({ ...r, attempts: 2 }, created.etag); // another delivery's claim
  const entries = receivedMailEntries('ch-b', { messageId: r.messageId }, 'T-1', at);
  await assert.rejects(replaceLedger(closedFrom(r), created.etag, entries), (err) => cosmosStatus(err) === 412);
  const stored = await readLedger('ch-b', r.id);
  assert.deepEqual([stored?.record.state, stored?.record.attempts], ['received', 2]);
});

test('when an entry exists already (a redelivery), the others are created and the record is closed; the existing entry keeps its ticket', async () => {
  const r = received('ch-c', 'c'.repeat(40));
  const created = (await createLedger(r))!;
  await recordReceivedMail('ch-c', { messageId: r.messageId }, 'T-first', at);
  const entries = receivedMailEntries('ch-c', { messageId: r.messageId, conversationId: 'AAQkConv-c' }, 'T-1', at);
  await replaceLedger(closedFrom(r), created.etag, entries);
  assert.equal((await readLedger('ch-c', r.id))?.record.state, 'done');
  assert.equal((await lookupMessageIds('ch-c', [r.messageId!]))[0]?.ticketId, 'T-first');
  assert.equal((await lookupConversation('ch-c', 'AAQkConv-c'))?.ticketId, 'T-1');
});

test("entries of another channel are refused: a record's batch is its own partition", async () => {
  const r = received('ch-d', 'd'.repeat(40));
  const created = (await createLedger(r))!;
  await assert.rejects(replaceLedger(closedFrom(r), created.etag, receivedMailEntries('ch-other', { messageId: r.messageId }, 'T-1', at)), /must be of its channel/);
  assert.equal((await readLedger('ch-d', r.id))?.record.state, 'received');
});
