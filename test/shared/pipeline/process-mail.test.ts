import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useEmulatorEnv, type EmulatorEnv } from '../store/emulator-env';
import { Crash, inbound, pipelineHarness, queued, seededRandom, withFailingMove, type QueuedMail } from '../../support/pipeline-harness';
import { processMail, type ProcessDeps } from '../../../shared/pipeline/process-mail';
import { TransientError } from '../../../shared/errors';
import { rfc822 } from '../../support/mail-e2e';
import { lookupConversation, lookupMessageIds } from '../../../shared/store/thread-index';

/**
 * processMail against rival messages and copies, on the real ledger and tickets (Cosmos
 * emulator) with an in-memory mailbox. Regressions of the fault test's findings 13, 14, 16.
 */
let env: EmulatorEnv;
before(async () => { env = await useEmulatorEnv(); });
after(async () => { await env.stop(); });


async function crashes(p: Promise<unknown>): Promise<void> {
  await assert.rejects(p, (err) => err instanceof Crash);
}

test('two messages for each of five mails, all at once: every record ends done, no error, no mail listed as a duplicate of itself', async () => {
  for (let seed = 1; seed <= 8; seed++) {
    const h = pipelineHarness({ random: seededRandom(seed) });
    const messages: QueuedMail[] = [];
    for (let i = 0; i < 5; i++) {
      const messageId = `<rival-${seed}-${i}@client.example.org>`;
      const ref = h.mailbox.append('INBOX', rfc822({ subject: `Rival ${i}`, messageId }), messageId);
      // what two overlapping listings queued: two messages (two ids) for the same place
      messages.push(queued(inbound(h, ref, messageId)), queued(inbound(h, ref, messageId)));
    }
    const results = await Promise.allSettled(messages.map((q) => h.deliver(q)));
    const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    assert.deepEqual(failed, [], `seed ${seed}: no delivery fails (no 412 escapes)`);

    const records = await h.records();
    assert.equal(records.length, 5);
    for (const r of records) {
      assert.equal(r.state, 'done', `seed ${seed}: ${r.subject} is done`);
      assert.equal(r.outcome, 'created');
      assert.deepEqual(r.duplicates, [], `seed ${seed}: ${r.subject} has no duplicate of itself`);
    }
    assert.equal((await h.tickets()).length, 5);
    assert.equal(h.mailbox.list('INBOX').length, 0);
    assert.equal(h.mailbox.list('Processed').length, 5);
  }
});

test('a second message for a mail another delivery is working on does nothing; the first delivery finishes it', async () => {
  const h = pipelineHarness();
  const messageId = '<claimed-1@client.example.org>';
  const ref = h.mailbox.append('INBOX', rfc822({ subject: 'Claimed', messageId }), messageId);
  const first = queued(inbound(h, ref, messageId));
  // dies right after creating the record (read, fetch, raw blob, create): the record is `received`, claimed by `first`
  await crashes(h.deliver(first, { crashAfter: 4 }));
  assert.equal((await h.records())[0]?.state, 'received');

  const rival = await h.deliver(queued(inbound(h, ref, messageId)));
  assert.equal(rival.status, 'in-flight');
  assert.equal((await h.records())[0]?.state, 'received', 'the rival changed nothing');

  // the first message comes back (same id) and finishes the mail
  assert.equal((await h.deliver(first)).status, 'done');
  const [record] = await h.records();
  assert.equal(record?.state, 'done');
  assert.equal(record?.attempts, 2);
  assert.equal(record?.claim, undefined);
  assert.equal(h.mailbox.list('Processed').length, 1);
});

test('copies arriving while the first copy\'s worker is dead are recorded as its duplicates at once and move when it finishes', async () => {
  const h = pipelineHarness();
  const messageId = '<copies-1@client.example.org>';
  const raw = rfc822({ subject: 'Copies', messageId });
  const first = queued(inbound(h, h.mailbox.append('INBOX', raw, messageId), messageId));
  await crashes(h.deliver(first, { crashAfter: 4 }));

  const copies = [h.mailbox.append('INBOX', raw, messageId), h.mailbox.append('INBOX', raw, messageId)];
  for (const ref of copies) {
    const res = await h.deliver(queued(inbound(h, ref, messageId)));
    assert.equal(res.status, 'duplicate');
    assert.equal(res.status === 'duplicate' && res.pending, true, 'recorded now, not thrown back to the queue');
  }
  let [record] = await h.records();
  assert.equal(record?.duplicates.length, 2, 'both copies are in the ledger while the first is in flight');
  assert.equal(h.mailbox.list('INBOX').length, 3);

  await h.deliver(first);
  [record] = await h.records();
  assert.equal(record?.state, 'done');
  assert.equal(record?.duplicates.length, 2);
  assert.ok(record?.duplicates.every((d) => d.movedAt), 'every copy moved with the first');
  assert.equal(h.mailbox.list('INBOX').length, 0);
  assert.equal(h.mailbox.list('Processed').length, 3);
  assert.equal((await h.tickets()).length, 1);
});

test('the same copy delivered again, also concurrently, is one duplicate entry, and the stats count mails and copies true', async () => {
  const h = pipelineHarness();
  const messageId = '<dup-count-1@client.example.org>';
  const raw = rfc822({ subject: 'Counted', messageId });
  const firstRef = h.mailbox.append('INBOX', raw, messageId);
  const copyRef = h.mailbox.append('INBOX', raw, messageId);
  // what one listing queued, before anything was processed
  const first = inbound(h, firstRef, messageId);
  const copy = inbound(h, copyRef, messageId);
  await h.deliver(queued(first));
  await Promise.all([h.deliver(queued(copy)), h.deliver(queued(copy))]);
  await h.deliver(queued(copy));
  // the first copy's own message again (a rival listing's): never a duplicate of itself
  await h.deliver(queued(first));

  const [record] = await h.records();
  assert.equal(record?.duplicates.length, 1);
  const stats = await h.stats();
  assert.equal(stats.total, 1);
  assert.equal(stats.duplicates, 1);
  assert.deepEqual(stats.byOutcome, { created: 1 });
  assert.equal(h.mailbox.list('Processed').length, 2);
});

test('the stats show mail stuck in flight by state and since when', async () => {
  const h = pipelineHarness();
  const messageId = '<stuck-1@client.example.org>';
  const ref = h.mailbox.append('INBOX', rfc822({ subject: 'Stuck', messageId }), messageId);
  await crashes(h.deliver(queued(inbound(h, ref, messageId)), { crashAfter: 4 }));
  const stats = await h.stats();
  const [record] = await h.records();
  assert.equal(stats.inFlight, 1);
  assert.deepEqual(stats.inFlightByState, { received: 1, decided: 0 });
  assert.equal(stats.inFlightSince, record?.timings.firstAttemptAt);
  assert.ok(record?.claim, 'the record names the delivery holding it and until when');
});

test('a mail without Message-ID moved by an attempt that died before closing its record is closed by the redelivery', async () => {
  const h = pipelineHarness();
  const ref = h.mailbox.append('INBOX', rfc822({ subject: 'No id', messageId: null }));
  const q = queued(inbound(h, ref));
  // fetch, raw blob, read, create, ticket, thread index (the acknowledgement's Message-ID), acknowledgement (counter, outbox), move — and dies before the write that closes the record
  await crashes(h.deliver(q, { crashAfter: 9 }));
  assert.equal(h.mailbox.list('Processed').length, 1, 'the move happened');
  assert.equal((await h.records())[0]?.state, 'received', 'the outcome is written with the close, after the move');
  await h.deliver(q);
  const [record] = await h.records();
  assert.equal(record?.state, 'done');
  assert.equal(record?.outcome, 'created');
  assert.equal((await h.tickets()).length, 1, 'decided again from the stored raw mail: the same ticket, not a second');
  assert.equal(h.outbox.length, 2, 'the same acknowledgement dispatched again (one outbox record, sent once)');
  assert.equal(new Set(h.outbox.map((o) => o.id)).size, 1);
});

test('a move that fails stores the decision (`decided`): the retry only moves — no second decision, ticket or acknowledgement', async () => {
  const h = pipelineHarness();
  const messageId = '<move-fails-1@client.example.org>';
  const q = queued(inbound(h, h.mailbox.append('INBOX', rfc822({ subject: 'Move fails', messageId }), messageId), messageId));
  const deps = h.processDeps();
  const failing = withFailingMove(deps);
  await assert.rejects(processMail(q.body, failing, { id: q.id }), (e) => e instanceof TransientError);
  const [decided] = await h.records();
  assert.equal(decided?.state, 'decided');
  assert.equal(decided?.outcome, 'created');
  assert.equal(decided?.lastError?.code, 'IMAP_UNAVAILABLE');
  const dispatched = h.outbox.length;

  const seen = { resolveThread: 0 };
  const counting: ProcessDeps = { ...deps, resolveThread: (mail, channel) => (seen.resolveThread++, deps.resolveThread(mail, channel)) };
  assert.equal((await processMail(q.body, counting, { id: q.id })).status, 'done');
  const [record] = await h.records();
  assert.equal(record?.state, 'done');
  assert.equal(record?.outcome, 'created');
  assert.equal(seen.resolveThread, 0, 'the retry did not decide again');
  assert.equal(h.outbox.length, dispatched, 'nothing dispatched again');
  assert.equal((await h.tickets()).length, 1);
  assert.equal(h.mailbox.list('Processed').length, 1);
});

test("a Graph mail whose delivery died after recording its conversation is not taken, on redelivery, for a reply to its own ticket", async () => {
  const h = pipelineHarness();
  const messageId = '<graph-own-conv-1@client.example.org>';
  // a reply by its subject (to a mail the channel never saw), so its conversation is looked up (thread-signals.ts)
  const ref = h.mailbox.append('INBOX', rfc822({ subject: 'RE: Printer on fire', messageId }), messageId);
  const q = queued({ ...inbound(h, ref, messageId), conversationId: 'AAQkAGOwnConversation1' });
  // fetch, raw blob, create, ticket, thread index (Message-ID + conversation → the new ticket) — then dies
  await crashes(h.deliver(q, { crashAfter: 5 }));
  assert.equal((await h.tickets()).length, 1);
  assert.equal((await h.records())[0]?.state, 'received');

  await h.deliver(q);
  const [record] = await h.records();
  assert.equal(record?.state, 'done');
  assert.equal(record?.outcome, 'created', 'the conversation names its own ticket: still the mail that made it, not a note on it');
  assert.equal(record?.thread?.code, 'NO_THREAD');
  assert.equal((await h.tickets()).length, 1);
  assert.equal(record?.noteId, undefined);
});

/** A channel that sends no acknowledgement: its mails' thread-index entries go with the close of their records. */
const silent = () => pipelineHarness({ answers: { autoResponse: { enabled: false } } });
const ticketOf = async (h: ReturnType<typeof pipelineHarness>, messageId: string) => (await lookupMessageIds(h.channel.id, [messageId]))[0]?.ticketId;

test("without an acknowledgement, a mail's thread-index entries are written with its record's close: an attempt that dies before it leaves none, the redelivery writes them", async () => {
  const h = silent();
  const messageId = '<silent-crash-1@client.example.org>';
  const ref = h.mailbox.append('INBOX', rfc822({ subject: 'Silent crash', messageId }), messageId);
  const q = queued({ ...inbound(h, ref, messageId), conversationId: 'AAQkSilentConversation1' });
  // create, fetch, raw blob, ticket — then dies at the move
  await crashes(h.deliver(q, { crashAfter: 4 }));
  assert.equal((await h.tickets()).length, 1, 'the ticket exists');
  assert.equal((await h.records())[0]?.state, 'received');
  assert.equal(await ticketOf(h, messageId), undefined, 'no entry before the close');

  await h.deliver(q);
  const [record] = await h.records();
  assert.equal(record?.state, 'done');
  assert.equal(await ticketOf(h, messageId), record?.ticketId);
  assert.equal((await lookupConversation(h.channel.id, 'AAQkSilentConversation1'))?.ticketId, record?.ticketId);
  assert.equal((await h.tickets()).length, 1);
});

test('without an acknowledgement, a move that fails stores the decision with the entries: a reply finds the ticket before the retry', async () => {
  const h = silent();
  const messageId = '<silent-move-fails-1@client.example.org>';
  const q = queued(inbound(h, h.mailbox.append('INBOX', rfc822({ subject: 'Silent move fails', messageId }), messageId), messageId));
  await assert.rejects(processMail(q.body, withFailingMove(h.processDeps()), { id: q.id }), (e) => e instanceof TransientError);
  const [decided] = await h.records();
  assert.equal(decided?.state, 'decided');
  assert.equal(await ticketOf(h, messageId), decided?.ticketId);
});

test('without an acknowledgement, a poisoned message of a mail whose ticket an attempt made writes its entries as it finishes it', async () => {
  const h = silent();
  const messageId = '<silent-poison-1@client.example.org>';
  const ref = h.mailbox.append('INBOX', rfc822({ subject: 'Silent poison', messageId }), messageId);
  const q = queued({ ...inbound(h, ref, messageId), conversationId: 'AAQkSilentConversation2' });
  await crashes(h.deliver(q, { crashAfter: 4 }));
  assert.equal(await ticketOf(h, messageId), undefined);
  assert.equal(await h.poison(q.body), 'finished');
  const [record] = await h.records();
  assert.equal(record?.state, 'done');
  assert.equal(await ticketOf(h, messageId), record?.ticketId);
  assert.equal((await lookupConversation(h.channel.id, 'AAQkSilentConversation2'))?.ticketId, record?.ticketId);
});
