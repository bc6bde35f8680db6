import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useEmulatorEnv, type EmulatorEnv } from '../store/emulator-env';
import { findOwnMailBounced, markedUndeliverable, recordOwnMailBounce, type RecordBounceDeps } from '../../../shared/outbound/bounce-of-own-mail';
import { claimed, newOutboxRecord, sent } from '../../../shared/outbound/outbox';
import { readBounceReport } from '../../../shared/mail/bounce-report';
import { parseMailWithContent } from '../../../shared/mail/parse';
import { createOutbox, markOutboxBounced, readOutbox, replaceOutbox } from '../../../shared/store/outbox';
import { lookupMessageIds, recordMessageId } from '../../../shared/store/thread-index';
import { createTicketDoc, readTicketDocWithEtag } from '../../../shared/store/ticket-repository';
import { updateTicket } from '../../../shared/tickets/tickets';
import type { Ticket } from '../../../shared/tickets/ticket';
import { asHeaderValue, outgoingMessageId } from '../../../shared/threading/message-ids';

/**
 * A bounce of a mail we sent, through the real store (Cosmos emulator): the thread index
 * names the outbox record of the Message-ID the bounce returns, the record and the ticket
 * are marked, and a bounce delivered again writes nothing.
 */

let env: EmulatorEnv;
before(async () => { env = await useEmulatorEnv(); });
after(async () => { await env.stop(); });

const t0 = new Date('2026-12-06T10:00:00.000Z');
const postfixDsn = fs.readFileSync(path.resolve(__dirname, '../../fixtures/mail/dsn-postfix.eml'), 'latin1');

function ticket(id: string, requester = 'nobody@fabrikam.example'): Ticket {
  return {
    id, templateId: 'it-support', channelId: 'ch-1', title: `Ticket ${id}`, description: { text: 'body' },
    requester: { email: requester }, watchers: [], fields: {}, priority: 'normal', status: 'new', attachments: [], participants: [], createdAt: t0.toISOString(),
  };
}

/** A ticket, the auto-response we sent for it (outbox record, sent), and its thread-index entry. */
async function sentAutoResponse(ticketId: string, channelId = 'ch-1', requester?: string): Promise<{ outboxId: string; messageId: string }> {
  await createTicketDoc(ticket(ticketId, requester));
  const outboxId = `${ticketId}-mail:autoResponse`;
  const messageId = outgoingMessageId(outboxId, 'example.com');
  const record = newOutboxRecord({ id: outboxId, channelId, purpose: 'autoResponse', ticketId, mail: { from: 'support@example.com', to: 'nobody@fabrikam.example', subject: 'Your request', text: 'Thanks' }, messageId: asHeaderValue(messageId), now: t0 });
  await createOutbox(record);
  const read = (await readOutbox(channelId, outboxId))!;
  await replaceOutbox(sent(claimed(read.record, 'd1', t0), t0), read.etag);
  await recordMessageId(channelId, messageId, ticketId, 'sent', t0, outboxId);
  return { outboxId, messageId };
}

/** The real Postfix bounce of the fixtures, returning the mail with `messageId`. */
async function bounceOf(messageId: string, dsn = postfixDsn) {
  const raw = Buffer.from(dsn.replace('<ticket-1047-1717485160@example.com>', `<${messageId}>`), 'latin1');
  const { mail, attachmentContents } = await parseMailWithContent(raw);
  return { mail, contents: attachmentContents };
}

const deps = (now = new Date('2026-12-06T11:00:00.000Z')): RecordBounceDeps => ({ markOutboxBounced, updateTicket, now: () => now });

test('a bounce of our auto-response marks its outbox record and the ticket "requester address undeliverable", and 3 redeliveries write nothing', async () => {
  const { outboxId, messageId } = await sentAutoResponse('T-b1');
  const { mail, contents } = await bounceOf(messageId);
  const found = await findOwnMailBounced('ch-1', mail, contents, lookupMessageIds);
  assert.deepEqual(found, {
    channelId: 'ch-1',
    outboxId,
    ticketId: 'T-b1',
    messageId,
    reason: '550 5.1.1 <nobody@fabrikam.example>: Recipient address rejected: User unknown',
    recipient: 'nobody@fabrikam.example',
    status: '5.1.1',
    failed: [{ address: 'nobody@fabrikam.example', reason: '550 5.1.1 <nobody@fabrikam.example>: Recipient address rejected: User unknown', status: '5.1.1' }],
  });

  assert.deepEqual(await recordOwnMailBounce(found!, deps()), { outbox: 'marked', ticket: 'marked' });
  const ticketAfter = (await readTicketDocWithEtag('T-b1'))!;
  assert.deepEqual(ticketAfter.ticket.undeliverable, { reason: 'requester address undeliverable: 550 5.1.1 <nobody@fabrikam.example>: Recipient address rejected: User unknown', at: '2026-12-06T11:00:00.000Z', outboxId });
  const outboxAfter = (await readOutbox('ch-1', outboxId))!;
  assert.equal(outboxAfter.record.state, 'sent');
  assert.equal(outboxAfter.record.bounce?.status, '5.1.1');

  for (let i = 1; i <= 3; i++) {
    const again = await findOwnMailBounced('ch-1', mail, contents, lookupMessageIds);
    await recordOwnMailBounce(again!, deps(new Date(Date.parse('2026-12-06T11:00:00.000Z') + i * 60_000)));
  }
  assert.equal((await readTicketDocWithEtag('T-b1'))!.etag, ticketAfter.etag, 'the ticket was not written again');
  assert.equal((await readOutbox('ch-1', outboxId))!.etag, outboxAfter.etag, 'the outbox record was not written again');
});

test('only mail we sent counts: a bounce naming a received mail, an unknown id, or a mail of another channel finds nothing', async () => {
  await createTicketDoc(ticket('T-b2'));
  await recordMessageId('ch-1', 'customer-mail@fabrikam.example', 'T-b2', 'received', t0);
  const received = await bounceOf('customer-mail@fabrikam.example');
  assert.equal(await findOwnMailBounced('ch-1', received.mail, received.contents, lookupMessageIds), undefined);
  const unknown = await bounceOf('never-sent@example.com');
  assert.equal(await findOwnMailBounced('ch-1', unknown.mail, unknown.contents, lookupMessageIds), undefined);
  const { messageId } = await sentAutoResponse('T-b3', 'ch-other');
  const elsewhere = await bounceOf(messageId);
  assert.equal(await findOwnMailBounced('ch-1', elsewhere.mail, elsewhere.contents, lookupMessageIds), undefined);
  assert.ok(await findOwnMailBounced('ch-other', elsewhere.mail, elsewhere.contents, lookupMessageIds));
});

test('a delay warning for our mail marks nothing: the mail may still arrive', async () => {
  const { messageId } = await sentAutoResponse('T-b4');
  const delayed = postfixDsn.replace('Action: failed', 'Action: delayed').replace('Status: 5.1.1', 'Status: 4.4.1');
  const { mail, contents } = await bounceOf(messageId, delayed);
  assert.equal(await findOwnMailBounced('ch-1', mail, contents, lookupMessageIds), undefined);
});

test('a complaint about our mail (an ARF feedback report returning its headers) marks nothing: the mail was delivered', async () => {
  const { messageId } = await sentAutoResponse('T-b7');
  const arf = fs.readFileSync(path.resolve(__dirname, '../../corpus/sisimai-machine/arf-09.eml'), 'latin1');
  const { mail, contents } = await bounceOf(messageId, arf.replace('<asdjhi9ldn14@example.net>', '<ticket-1047-1717485160@example.com>'));
  const report = readBounceReport(mail, contents);
  assert.equal(report.originalMessageIds[0]?.id, messageId, 'the report returns our headers');
  assert.equal(report.failed, false);
  assert.equal(await findOwnMailBounced('ch-1', mail, contents, lookupMessageIds), undefined);
});

test('a bounce for another recipient of the mail (a cc) marks the outbox record but not the requester\'s address', async () => {
  const { outboxId, messageId } = await sentAutoResponse('T-b5', 'ch-1', 'requester@example.org');
  const { mail, contents } = await bounceOf(messageId);
  const found = (await findOwnMailBounced('ch-1', mail, contents, lookupMessageIds))!;
  assert.deepEqual(await recordOwnMailBounce(found, deps()), { outbox: 'marked', ticket: 'not-requester' });
  assert.equal((await readTicketDocWithEtag('T-b5'))!.ticket.undeliverable, undefined);
  assert.equal((await readOutbox('ch-1', outboxId))!.record.bounce?.recipient, 'nobody@fabrikam.example');
});

test('a bounce for a cc and the requester marks the ticket with the requester\'s own reason', async () => {
  const { outboxId, messageId } = await sentAutoResponse('T-b6', 'ch-1', 'requester@example.org');
  const twoFailed = postfixDsn.replace(
    'Final-Recipient: rfc822; nobody@fabrikam.example',
    'Final-Recipient: rfc822; requester@example.org\nAction: failed\nStatus: 5.2.2\nDiagnostic-Code: smtp; 552 5.2.2 mailbox full\n\nFinal-Recipient: rfc822; nobody@fabrikam.example',
  );
  const { mail, contents } = await bounceOf(messageId, twoFailed);
  const found = (await findOwnMailBounced('ch-1', mail, contents, lookupMessageIds))!;
  assert.deepEqual(found.failed?.map((f) => f.address), ['requester@example.org', 'nobody@fabrikam.example']);
  assert.deepEqual(await recordOwnMailBounce(found, deps()), { outbox: 'marked', ticket: 'marked' });
  assert.deepEqual((await readTicketDocWithEtag('T-b6'))!.ticket.undeliverable, { reason: 'requester address undeliverable: 552 5.2.2 mailbox full', at: '2026-12-06T11:00:00.000Z', outboxId });
});

test('a bounce whose ticket is gone still marks the outbox record', async () => {
  const outboxId = 'T-gone-mail:autoResponse';
  const record = newOutboxRecord({ id: outboxId, channelId: 'ch-1', purpose: 'autoResponse', ticketId: 'T-gone', mail: { from: 'a@example.com', to: 'b@example.org', subject: 's', text: 't' }, messageId: asHeaderValue(outgoingMessageId(outboxId, 'example.com')), now: t0 });
  await createOutbox(record);
  const found = { channelId: 'ch-1', outboxId, ticketId: 'T-gone', messageId: 'x@example.com', reason: '550 user unknown' };
  assert.deepEqual(await recordOwnMailBounce(found, deps()), { outbox: 'marked', ticket: 'missing' });
});

test('the ticket mark: the same outbox record and reason is no change, a new reason or another mail of ours replaces it', () => {
  const found = { channelId: 'ch-1', outboxId: 'o1', ticketId: 'T', messageId: 'm@example.com', reason: '550 user unknown', recipient: 'NOBODY@fabrikam.example' };
  const at = new Date('2026-12-06T11:00:00.000Z');
  const marked = markedUndeliverable(ticket('T'), found, at)!;
  assert.deepEqual(marked.undeliverable, { reason: 'requester address undeliverable: 550 user unknown', at: at.toISOString(), outboxId: 'o1' });
  assert.equal(markedUndeliverable(marked, found, new Date()), undefined);
  assert.equal(markedUndeliverable(marked, { ...found, reason: '552 mailbox full' }, at)?.undeliverable?.reason, 'requester address undeliverable: 552 mailbox full');
  assert.equal(markedUndeliverable(marked, { ...found, outboxId: 'o2' }, at)?.undeliverable?.outboxId, 'o2');
  assert.equal(markedUndeliverable(ticket('T'), { ...found, recipient: 'cc@example.org' }, at), undefined);
  const { recipient: _r, ...noRecipient } = found;
  assert.ok(markedUndeliverable(ticket('T'), noRecipient, at), 'a report that names no address is about the requester');
});
