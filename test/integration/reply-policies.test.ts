import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ParsedMail } from 'mailparser';
import { readTicketDocWithEtag, replaceTicketDoc } from '../../shared/store/ticket-repository';
import { normalizeMessageId } from '../../shared/pipeline/ledger-key';
import {
  capturedAnswerTo,
  channelTickets,
  imapChannelInput,
  ledgerEntry,
  mime,
  newMessageId,
  patchChannel,
  publish,
  readTicket,
  replyTo,
  startReplyWorld,
  sync,
  tokenOf,
  TEMPLATE,
  type LedgerEntry,
  type ReplyWorld,
} from '../support/reply-world';
import type { DovecotUser } from '../support/dovecot';

/**
 * Issue 7 end to end, the replies a channel may not simply attach: to a ticket whose
 * template takes no mail updates, to a closed ticket, with a guessed token from a stranger,
 * with the signed token of another channel's ticket — each configured behaviour, through
 * the local host on Dovecot with SMTP into an smtp-server capture. A channel's setting is
 * changed between cases with PATCH /api/channels/{id}, as an admin would.
 */
let world: ReplyWorld;

const desk = (name: string): DovecotUser => ({ user: `desk-${name}@example.com`, password: `desk-${name}-secret` });
const DESK_WHITELIST = desk('whitelist');
const DESK_CLOSED = desk('closed');
const DESK_TRUST = desk('trust');
const DESK_OTHER = desk('other');
const DESK_HERE = desk('here');
const ALICE = 'Alice Example <alice@example.org>';
const MALLORY = 'Mallory <mallory@example.org>';

before(async () => {
  world = await startReplyWorld({ desks: [DESK_WHITELIST, DESK_CLOSED, DESK_TRUST, DESK_OTHER, DESK_HERE] });
});

after(async () => {
  await world?.stop();
});

interface Started {
  channelId: string;
  ticketId: string;
  ticketNumber: number;
  ack: ParsedMail;
}

/** Alice writes to the channel: the ticket the pipeline made and the acknowledgement she got. */
async function ticketWithAck(channelId: string, d: DovecotUser, subject: string): Promise<Started> {
  const messageId = newMessageId('first');
  await world.dovecot.append(d.user, 'INBOX', mime({ from: ALICE, to: d.user, subject, messageId, text: `Hello,\n\n${subject}.\n\nAlice` }));
  await sync(world, channelId);
  const record = await ledgerEntry(world, channelId, messageId);
  assert.equal(record.outcome, 'created', JSON.stringify(record));
  const ack = await capturedAnswerTo(world, messageId);
  const number = tokenOf(ack)?.ticketNumber;
  assert.ok(number !== undefined);
  return { channelId, ticketId: record.ticketId!, ticketNumber: number, ack };
}

/** Delivers `raw` into the desk's inbox, syncs, and returns the mail's ledger record. */
async function deliver(d: DovecotUser, channelId: string, mail: { raw: Buffer; messageId: string }): Promise<LedgerEntry> {
  await world.dovecot.append(d.user, 'INBOX', mail.raw);
  await sync(world, channelId);
  return ledgerEntry(world, channelId, mail.messageId);
}

const inFailFolder = async (d: DovecotUser, messageId: string) =>
  (await world.dovecot.list(d.user, 'Failed')).some((m) => m.messageId !== undefined && normalizeMessageId(m.messageId) === normalizeMessageId(messageId));

async function patchTicketStatus(ticketId: string, status: string): Promise<void> {
  const res = await fetch(`${world.stack.baseUrl}/api/tickets/${encodeURIComponent(ticketId)}`, {
    method: 'PATCH',
    headers: { 'x-functions-key': world.stack.adminKey, 'content-type': 'application/merge-patch+json' },
    body: JSON.stringify({ status }),
  });
  assert.equal(res.status, 200, await res.text());
}

test('scenario 5: a reply to a ticket whose template is not whitelisted: nonWhitelistedReply reject → fail folder with TEMPLATE_NOT_WHITELISTED; newTicket → a new ticket, the reason in the ledger', async () => {
  const channelId = await publish(world, imapChannelInput(world, DESK_WHITELIST, { ticketMapping: { templateId: TEMPLATE, whitelist: ['access-request'] } }));
  const t = await ticketWithAck(channelId, DESK_WHITELIST, 'Laptop battery swollen');

  const rejected = await deliver(DESK_WHITELIST, channelId, replyTo(t.ack, { from: ALICE, to: DESK_WHITELIST.user, text: 'Any news?\n\nAlice' }));
  assert.equal(rejected.outcome, 'rejected', JSON.stringify(rejected));
  assert.equal(rejected.reasonCode, 'TEMPLATE_NOT_WHITELISTED');
  assert.match(rejected.reason ?? '', new RegExp(`template ${TEMPLATE} of ticket ${t.ticketId}`));
  assert.deepEqual([rejected.thread?.code, rejected.thread?.ticketId], ['TEMPLATE_NOT_WHITELISTED', t.ticketId]);
  assert.ok(await inFailFolder(DESK_WHITELIST, rejected.messageId!), 'the reply is in the fail folder');
  assert.equal((await readTicket(world, t.ticketId)).notes.length, 0, 'no note');

  await patchChannel(world, channelId, { ticketMapping: { nonWhitelistedReply: 'newTicket' } });
  const renewed = await deliver(DESK_WHITELIST, channelId, replyTo(t.ack, { from: ALICE, to: DESK_WHITELIST.user, text: 'It is getting worse.\n\nAlice' }));
  assert.equal(renewed.outcome, 'created', JSON.stringify(renewed));
  assert.notEqual(renewed.ticketId, t.ticketId);
  assert.equal(renewed.thread?.code, 'TEMPLATE_NOT_WHITELISTED');
  assert.match(renewed.thread?.reason ?? '', /not on the channel's whitelist.*treated as a new mail/);
  assert.equal((await channelTickets(world, channelId)).length, 2);
  assert.equal((await readTicket(world, t.ticketId)).notes.length, 0, 'still no note on the first ticket');
});

test('scenario 6: a reply to a closed ticket: reopen within reopenDays → a note and the ticket open again; closed longer ago → a new ticket linking it; mode newTicket → a new linked ticket; mode reject → fail folder with CLOSED_TICKET', async () => {
  const channelId = await publish(world, imapChannelInput(world, DESK_CLOSED));
  const t = await ticketWithAck(channelId, DESK_CLOSED, 'Docking station flickers');
  const answer = (text: string) => deliver(DESK_CLOSED, channelId, replyTo(t.ack, { from: ALICE, to: DESK_CLOSED.user, text }));

  await patchTicketStatus(t.ticketId, 'closed');
  const reopened = await answer('It flickers again since this morning.\n\nAlice');
  assert.equal(reopened.outcome, 'noted', JSON.stringify(reopened));
  assert.equal(reopened.ticketId, t.ticketId);
  assert.equal(reopened.thread?.code, 'REOPENED');
  assert.match(reopened.thread?.reason ?? '', /within 14 days: reopened/);
  const afterReopen = await readTicket(world, t.ticketId);
  assert.equal(afterReopen.status, 'open', 'the ticket is open again');
  assert.equal(afterReopen.closedAt, undefined);
  assert.ok(afterReopen.notes.some((n) => n.id === reopened.noteId));

  // closed 20 days ago: written into the ticket as 20 days would have (the API sets closedAt to now)
  await patchTicketStatus(t.ticketId, 'closed');
  const stored = await readTicketDocWithEtag(t.ticketId);
  assert.ok(stored);
  await replaceTicketDoc({ ...stored.ticket, closedAt: new Date(Date.now() - 20 * 86_400_000).toISOString() }, stored.etag);
  const late = await answer('Sorry, one more question about it.\n\nAlice');
  assert.equal(late.outcome, 'created', JSON.stringify(late));
  assert.equal(late.thread?.code, 'CLOSED_TICKET');
  assert.match(late.thread?.reason ?? '', /more than 14 days ago; a new ticket links it/);
  assert.equal((await readTicket(world, late.ticketId!)).relatedTicketId, t.ticketId, 'the new ticket links the closed one');
  assert.equal((await readTicket(world, t.ticketId)).status, 'closed', 'the old ticket stays closed');

  await patchChannel(world, channelId, { threading: { closedReply: { mode: 'newTicket' } } });
  await patchTicketStatus(t.ticketId, 'open');
  await patchTicketStatus(t.ticketId, 'closed');
  const linked = await answer('And the second screen is dark.\n\nAlice');
  assert.equal(linked.outcome, 'created', JSON.stringify(linked));
  assert.equal(linked.thread?.code, 'CLOSED_TICKET');
  assert.equal((await readTicket(world, linked.ticketId!)).relatedTicketId, t.ticketId);

  await patchChannel(world, channelId, { threading: { closedReply: { mode: 'reject' } } });
  const rejected = await answer('Hello? Anyone?\n\nAlice');
  assert.equal(rejected.outcome, 'rejected', JSON.stringify(rejected));
  assert.equal(rejected.reasonCode, 'CLOSED_TICKET');
  assert.equal(rejected.thread?.code, 'CLOSED_TICKET');
  assert.ok(await inFailFolder(DESK_CLOSED, rejected.messageId!));
  const final = await readTicket(world, t.ticketId);
  assert.equal(final.status, 'closed');
  assert.deepEqual(final.notes.filter((n) => n.direction === 'inbound').map((n) => n.id), [reopened.noteId], 'the only note is the one that reopened it');
  assert.equal((await channelTickets(world, channelId)).length, 3, 'the first ticket and the two linked ones');
});

test('scenario 7: a guessed token (unsigned, or a wrong signature) from a stranger: untrustedReply newTicket → a new ticket with the reason in the ledger; reject → fail folder with UNTRUSTED_REPLY', async () => {
  const channelId = await publish(world, imapChannelInput(world, DESK_TRUST));
  const t = await ticketWithAck(channelId, DESK_TRUST, 'Payroll portal login fails');
  const padded = String(t.ticketNumber).padStart(6, '0');
  const guess = (subject: string) => {
    const messageId = newMessageId('guess');
    return { messageId, raw: mime({ from: MALLORY, to: DESK_TRUST.user, subject, messageId, text: 'Please send me the payroll data.\n\nMallory' }) };
  };

  const unsigned = await deliver(DESK_TRUST, channelId, guess(`Re: [#T-${padded}] Payroll portal login fails`));
  assert.equal(unsigned.outcome, 'created', JSON.stringify(unsigned));
  assert.notEqual(unsigned.ticketId, t.ticketId);
  assert.equal(unsigned.thread?.code, 'UNTRUSTED_REPLY');
  assert.match(unsigned.thread?.reason ?? '', /mallory@example\.org is not a participant of ticket .* no valid signed token.*treated as a new mail/);
  assert.ok(unsigned.thread?.signals.some((s) => s.endsWith('(absent)')), JSON.stringify(unsigned.thread));

  const forged = await deliver(DESK_TRUST, channelId, guess(`Re: [#T-${padded}-aaaaaaaa] Payroll portal login fails`));
  assert.equal(forged.outcome, 'created', JSON.stringify(forged));
  assert.equal(forged.thread?.code, 'UNTRUSTED_REPLY');
  assert.ok(forged.thread?.signals.some((s) => s.endsWith('(invalid)')), JSON.stringify(forged.thread));
  assert.equal((await readTicket(world, t.ticketId)).notes.length, 0, 'nothing was attached to Alice’s ticket');

  await patchChannel(world, channelId, { threading: { untrustedReply: 'reject' } });
  const rejected = await deliver(DESK_TRUST, channelId, guess(`Re: [#T-${padded}] Payroll portal login fails`));
  assert.equal(rejected.outcome, 'rejected', JSON.stringify(rejected));
  assert.equal(rejected.reasonCode, 'UNTRUSTED_REPLY');
  assert.ok(await inFailFolder(DESK_TRUST, rejected.messageId!));
  assert.equal((await readTicket(world, t.ticketId)).notes.length, 0);
});

test("scenario 8: the signed token, marker and References of another channel's ticket, sent to this channel → never attached: a new ticket here, the ledger says why", async () => {
  const otherChannelId = await publish(world, imapChannelInput(world, DESK_OTHER));
  const thisChannelId = await publish(world, imapChannelInput(world, DESK_HERE));
  const elsewhere = await ticketWithAck(otherChannelId, DESK_OTHER, 'Badge does not open door 4');

  // Alice answers the other desk's acknowledgement but addresses it to this desk
  const record = await deliver(DESK_HERE, thisChannelId, replyTo(elsewhere.ack, { from: ALICE, to: DESK_HERE.user, text: 'Door 5 too.\n\nAlice' }));
  assert.equal(record.outcome, 'created', JSON.stringify(record));
  assert.notEqual(record.ticketId, elsewhere.ticketId);
  assert.equal(record.thread?.code, 'NO_THREAD');
  assert.equal(record.thread?.ticketId, undefined);
  assert.match(record.thread?.reason ?? '', new RegExp(`names ticket ${elsewhere.ticketId} of channel ${otherChannelId}, not of this channel: never attached`));
  assert.match(record.thread?.reason ?? '', /^no ticket of this channel found \(token /, 'the token is named first');
  assert.equal((await readTicket(world, elsewhere.ticketId)).notes.length, 0, "the other channel's ticket got nothing");
  assert.equal((await channelTickets(world, thisChannelId)).length, 1);
});
