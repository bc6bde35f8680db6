import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useEmulatorEnv, type EmulatorEnv } from '../store/emulator-env';
import { Crash, inbound, pipelineHarness, queued, withFailingMove } from '../../support/pipeline-harness';
import { rfc822 } from '../../support/mail-e2e';
import { processMail } from '../../../shared/pipeline/process-mail';
import { noteIdFor, ticketIdFor } from '../../../shared/pipeline/ledger-key';
import { createNoteDoc, createTicketDoc } from '../../../shared/store/ticket-repository';

/**
 * The poison handler on the real ledger (Cosmos emulator) with an in-memory mailbox:
 * what the host gives up on is finished, failed or followed — never dropped.
 */
let env: EmulatorEnv;
before(async () => { env = await useEmulatorEnv(); });
after(async () => { await env.stop(); });


test('a poisoned copy of a mail whose first copy is in flight is recorded on the first copy\'s record and moves with it', async () => {
  const h = pipelineHarness();
  const messageId = '<poison-copy-1@client.example.org>';
  const raw = rfc822({ subject: 'Poisoned copy', messageId });
  const first = queued(inbound(h, h.mailbox.append('INBOX', raw, messageId), messageId));
  await assert.rejects(h.deliver(first, { crashAfter: 4 }), (e) => e instanceof Crash);

  const copy = inbound(h, h.mailbox.append('INBOX', raw, messageId), messageId);
  assert.equal(await h.poison(copy), 'copy-recorded');
  let [record] = await h.records();
  assert.equal(record?.duplicates.length, 1, 'the copy is in the ledger, not left untraced');

  await h.deliver(first);
  [record] = await h.records();
  assert.equal(record?.state, 'done');
  assert.ok(record?.duplicates[0]?.movedAt);
  assert.equal(h.mailbox.list('INBOX').length, 0);
  assert.equal(h.mailbox.list('Processed').length, 2);
});

test('a poisoned message of a mail whose ticket an attempt made finishes it: done and moved, not failed', async () => {
  const h = pipelineHarness();
  const messageId = '<poison-decided-1@client.example.org>';
  const q = queued(inbound(h, h.mailbox.append('INBOX', rfc822({ subject: 'Decided then stuck', messageId }), messageId), messageId));
  // fetch, raw blob, create, ticket, thread index, acknowledgement (counter, outbox) — then dies before the move
  await assert.rejects(h.deliver(q, { crashAfter: 7 }), (e) => e instanceof Crash);
  assert.equal((await h.records())[0]?.state, 'received', 'the outcome is written with the close, after the move');
  assert.equal((await h.tickets()).length, 1, 'the ticket exists');

  assert.equal(await h.poison(q.body), 'finished');
  const [record] = await h.records();
  assert.equal(record?.state, 'done');
  assert.equal(record?.outcome, 'created');
  assert.notEqual(record?.reasonCode, 'POISON');
  assert.equal((await h.tickets()).length, 1);
  assert.equal(h.mailbox.list('Processed').length, 1);
  assert.equal(h.mailbox.list('Failed').length, 0);
});

test('a poisoned mail never decided is recorded failed and moved to the fail folder with the copies waiting for it', async () => {
  const h = pipelineHarness();
  const messageId = '<poison-received-1@client.example.org>';
  const raw = rfc822({ subject: 'Never decided', messageId });
  const q = queued(inbound(h, h.mailbox.append('INBOX', raw, messageId), messageId));
  // fetch, raw blob, create — then dies before the ticket
  await assert.rejects(h.deliver(q, { crashAfter: 3 }), (e) => e instanceof Crash);
  await h.deliver(queued(inbound(h, h.mailbox.append('INBOX', raw, messageId), messageId)));

  assert.equal(await h.poison(q.body), 'recorded');
  const [record] = await h.records();
  assert.equal(record?.state, 'done');
  assert.equal(record?.outcome, 'failed');
  assert.equal(record?.reasonCode, 'POISON');
  assert.equal(record?.claim, undefined);
  assert.equal(h.mailbox.list('INBOX').length, 0);
  assert.equal(h.mailbox.list('Failed').length, 2);
});

test('a poisoned message of a mail whose move kept failing (its decision stored) finishes it: done and moved, not failed', async () => {
  const h = pipelineHarness();
  const messageId = '<poison-move-1@client.example.org>';
  const q = queued(inbound(h, h.mailbox.append('INBOX', rfc822({ subject: 'Move keeps failing', messageId }), messageId), messageId));
  const failing = withFailingMove(h.processDeps());
  for (let i = 0; i < 5; i++) await assert.rejects(processMail(q.body, failing, { id: q.id }));
  assert.equal((await h.records())[0]?.state, 'decided');

  assert.equal(await h.poison(q.body), 'finished');
  const [record] = await h.records();
  assert.deepEqual([record?.state, record?.outcome, record?.reasonCode], ['done', 'created', undefined]);
  assert.equal((await h.tickets()).length, 1);
  assert.equal(h.mailbox.list('Processed').length, 1);
});

test('what an attempt made is found by the ledger key alone: its ticket, or its note on another ticket', async () => {
  const h = pipelineHarness();
  const deps = h.processDeps();
  assert.equal(await deps.findCarriedOut?.(h.channel.id, 'k-none'), undefined);
  const ticket = await createTicketDoc({
    id: ticketIdFor('k-ticket'), templateId: 'it-support', channelId: h.channel.id, title: 'Printer', description: { text: 'body' },
    requester: { email: 'ada@example.com' }, watchers: [], fields: {}, priority: 'normal', status: 'new', attachments: [], participants: [], createdAt: new Date().toISOString(),
  });
  assert.deepEqual(await deps.findCarriedOut?.(h.channel.id, 'k-ticket'), { ticketId: ticket.ticket.id });
  assert.equal(await deps.findCarriedOut?.('another-channel', 'k-ticket'), undefined, "another channel's ticket is not this mail's");
  await createNoteDoc({ id: noteIdFor('k-note'), ticketId: ticket.ticket.id, author: { email: 'ada@example.com' }, text: 'a reply', attachments: [], direction: 'inbound', createdAt: new Date().toISOString() });
  assert.deepEqual(await deps.findCarriedOut?.(h.channel.id, 'k-note'), { ticketId: ticket.ticket.id, noteId: noteIdFor('k-note') });
});
