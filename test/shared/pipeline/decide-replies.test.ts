import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnswerSettings } from '../../../shared/answers/answer-settings';
import type { ChannelRecord } from '../../../shared/config/channel';
import { decide, outcomeOf, targetFolder, type AnswerContext, type DecideInput, type Decision } from '../../../shared/pipeline/decide';
import type { MappableTemplate } from '../../../shared/tickets/field-mapping';
import { chooseTicket, type ResolvedTicket, type ThreadCandidate, type ThreadContext } from '../../../shared/threading/thread-context';
import { ThreadingSettings } from '../../../shared/threading/threading-settings';
import { channelRecord, parsedMail } from '../../support/fixtures';

/**
 * decide() on replies: the thread context is made by hand (no I/O), as the resolution step
 * would hand it over, and the decision is checked for what it attaches, reopens, links,
 * rejects, and which automatic answer it asks for.
 */
const CH = 'ch-1';
const template: MappableTemplate = { id: 'it-support', fields: [] };
const human = { kind: 'human' as const, reasons: [], noAutoResponse: false };
const receivedAt = '2026-12-20T12:00:00.000Z';
const yesterday = '2026-12-19T12:00:00.000Z';
const monthAgo = '2026-11-20T12:00:00.000Z';

function channel(over: { threading?: object; answers?: object; whitelist?: string[]; nonWhitelistedReply?: 'reject' | 'newTicket' } = {}): ChannelRecord {
  const base = channelRecord({ id: CH, ticketMapping: { templateId: 'it-support', whitelist: over.whitelist ?? ['it-support'], fields: [], nonWhitelistedReply: over.nonWhitelistedReply ?? 'reject' } });
  return { ...base, threading: ThreadingSettings.parse(over.threading ?? {}), answers: AnswerSettings.parse(over.answers ?? {}) };
}

const ticket = (over: Partial<ResolvedTicket> = {}): ResolvedTicket => ({ id: 'T-1', channelId: CH, templateId: 'it-support', status: 'open', participants: ['alice@example.org'], ...over });
const signedToken: ThreadCandidate = { signal: 'token', ticketId: 'T-1', ticketChannelId: CH, signature: 'valid', evidence: '[#T-000001-abcdefgh]' };
const unsignedToken: ThreadCandidate = { signal: 'token', ticketId: 'T-1', ticketChannelId: CH, signature: 'absent', evidence: '[#T-000001]' };
const sentId: ThreadCandidate = { signal: 'messageId', ticketId: 'T-1', ticketChannelId: CH, direction: 'sent', evidence: 'mc.1@example.com' };

function context(t: ResolvedTicket | undefined, candidates: ThreadCandidate[] = [signedToken]): ThreadContext {
  return { candidates, choice: chooseTicket(candidates, CH), ...(t ? { ticket: t } : {}) };
}

/** A reply as parsed: the new text cut from the quote, and the whole mail. */
const reply = parsedMail({
  subject: 'Re: [#T-000001-abcdefgh] Re: Printer jammed',
  text: 'It jams on both sides.\n\nOn Fri, Service desk wrote:\n> thank you for your message',
  replyText: 'It jams on both sides.',
  html: '<p>It jams on both sides.</p><blockquote>thank you for your message</blockquote>',
  replyHtml: '<p>It jams on both sides.</p>',
  inReplyTo: 'mc.1@example.com',
  references: ['mc.1@example.com'],
});

const noAnswersYet = (over: Partial<AnswerContext> = {}): AnswerContext => ({ recent: { count: 0, messageIds: [] }, ownAddresses: new Set(['desk@example.com']), imported: false, ...over });

function decideReply(over: Partial<DecideInput> & { thread: ThreadContext }): Decision {
  return decide({ folder: 'INBOX', template, receivedAt, classification: human, channel: channel(), mail: reply, answer: noAnswersYet(), ...over });
}

test('a trusted reply to an open ticket on the whitelist is a note: the new text and HTML only, the author, the thread in the ledger, no reopening', () => {
  const d = decideReply({ thread: context(ticket()) });
  assert.equal(d.action, 'addNote');
  if (d.action !== 'addNote') return;
  assert.equal(outcomeOf(d), 'noted');
  assert.equal(targetFolder(d, { success: 'Processed', fail: 'Failed' }), 'Processed');
  assert.deepEqual(
    { ticketId: d.note.ticketId, reopen: d.note.reopen, text: d.note.text, html: d.note.html, author: d.note.author.address, closedAt: d.note.closedAt },
    { ticketId: 'T-1', reopen: false, text: 'It jams on both sides.', html: '<p>It jams on both sides.</p>', author: 'alice@example.org', closedAt: undefined },
  );
  assert.equal(d.thread.code, 'ATTACHED');
  assert.equal(d.thread.ticketId, 'T-1');
  assert.deepEqual(d.thread.signals, ['token [#T-000001-abcdefgh] (valid)']);
  assert.deepEqual(d.stages.map((s) => s.stage), ['exclusion-folder', 'own-mail-bounce', 'sender-domain', 'machine-mail', 'thread', 'attachment-policy', 'auto-response']);
});

test('a reply to a ticket closed yesterday (mode reopen, 14 days) is a note that reopens it, carrying the closedAt it saw', () => {
  const d = decideReply({ thread: context(ticket({ status: 'closed', closedAt: yesterday })) });
  assert.equal(d.action, 'addNote');
  if (d.action !== 'addNote') return;
  assert.equal(d.note.reopen, true);
  assert.equal(d.note.closedAt, yesterday, 'the carry-out reopens only a ticket still closed at that instant');
  assert.equal(d.thread.code, 'REOPENED');
});

test('a reply to a ticket closed a month ago (mode reopen, 14 days) is a new ticket that links it, and it is acknowledged', () => {
  const d = decideReply({ thread: context(ticket({ status: 'resolved', closedAt: monthAgo })) });
  assert.equal(d.action, 'createTicket');
  if (d.action !== 'createTicket') return;
  assert.equal(d.ticket.relatedTicketId, 'T-1');
  assert.equal(d.thread?.code, 'CLOSED_TICKET');
  assert.equal(d.thread?.ticketId, 'T-1', 'the ledger names the ticket it links');
  assert.deepEqual(d.answers.map((a) => a.send), [true]);
});

test('mode newTicket: a reply to a ticket closed yesterday is a new linked ticket; mode reject: CLOSED_TICKET to the fail folder', () => {
  const closed = context(ticket({ status: 'closed', closedAt: yesterday }));
  const linked = decideReply({ thread: closed, channel: channel({ threading: { closedReply: { mode: 'newTicket' } } }) });
  assert.equal(linked.action, 'createTicket');
  if (linked.action === 'createTicket') assert.equal(linked.ticket.relatedTicketId, 'T-1');

  const rejected = decideReply({ thread: closed, channel: channel({ threading: { closedReply: { mode: 'reject' } } }) });
  assert.equal(rejected.action, 'reject');
  if (rejected.action !== 'reject') return;
  assert.equal(rejected.code, 'CLOSED_TICKET');
  assert.equal(outcomeOf(rejected), 'rejected');
  assert.equal(targetFolder(rejected, { success: 'Processed', fail: 'Failed' }), 'Failed');
  assert.equal(rejected.thread?.code, 'CLOSED_TICKET');
  assert.deepEqual(rejected.stages.at(-1), { stage: 'thread', result: { verdict: 'reject', code: 'CLOSED_TICKET', reason: rejected.reason } });
});

test('a reply to a ticket whose template is not whitelisted: reject → TEMPLATE_NOT_WHITELISTED; newTicket → a new ticket, not linked', () => {
  const thread = context(ticket({ templateId: 'hr-request' }));
  const rejected = decideReply({ thread });
  assert.equal(rejected.action, 'reject');
  if (rejected.action === 'reject') assert.equal(rejected.code, 'TEMPLATE_NOT_WHITELISTED');

  const renewed = decideReply({ thread, channel: channel({ nonWhitelistedReply: 'newTicket' }) });
  assert.equal(renewed.action, 'createTicket');
  if (renewed.action !== 'createTicket') return;
  assert.equal(renewed.ticket.relatedTicketId, undefined);
  assert.equal(renewed.thread?.code, 'TEMPLATE_NOT_WHITELISTED');
});

test('a guessed token from a stranger: untrustedReply newTicket → a new ticket with the reason; reject → UNTRUSTED_REPLY; a signed token makes the same stranger trusted', () => {
  const guessed = context(ticket(), [unsignedToken]);
  const mallory = parsedMail({ ...reply, from: { address: 'mallory@example.org', name: 'Mallory' } });
  const renewed = decideReply({ thread: guessed, mail: mallory });
  assert.equal(renewed.action, 'createTicket');
  if (renewed.action === 'createTicket') {
    assert.equal(renewed.thread?.code, 'UNTRUSTED_REPLY');
    assert.match(renewed.thread?.reason ?? '', /mallory@example\.org is not a participant of ticket T-1.*treated as a new mail/);
    assert.equal(renewed.ticket.relatedTicketId, undefined, 'a stranger learns nothing of the ticket, not even a link');
    assert.equal(renewed.ticket.requester.address, 'mallory@example.org');
  }
  const rejected = decideReply({ thread: guessed, mail: mallory, channel: channel({ threading: { untrustedReply: 'reject' } }) });
  assert.equal(rejected.action, 'reject');
  if (rejected.action === 'reject') assert.equal(rejected.code, 'UNTRUSTED_REPLY');

  // a forwarded acknowledgement: the colleague holds our signature, so the reply is theirs to add
  const signed = decideReply({ thread: context(ticket()), mail: mallory });
  assert.equal(signed.action, 'addNote');
});

test("a signed token of another channel's ticket is never attached: a new ticket, the ledger says why", () => {
  const foreign: ThreadCandidate = { ...signedToken, ticketId: 'T-9', ticketChannelId: 'ch-2' };
  const d = decideReply({ thread: context(undefined, [foreign]) });
  assert.equal(d.action, 'createTicket');
  if (d.action !== 'createTicket') return;
  assert.equal(d.thread?.code, 'NO_THREAD');
  assert.match(d.thread?.reason ?? '', /ticket T-9 of channel ch-2, not of this channel: never attached/);
  assert.equal(d.ticket.relatedTicketId, undefined);
});

test('the note text falls back to the whole text (and HTML) when cutting the quote leaves nothing', () => {
  const allQuote = parsedMail({ ...reply, replyText: '  \n ', replyHtml: undefined });
  const d = decideReply({ thread: context(ticket(), [sentId]), mail: allQuote });
  assert.equal(d.action, 'addNote');
  if (d.action !== 'addNote') return;
  assert.equal(d.note.text, allQuote.text, 'never an empty note');
  assert.equal(d.note.html, allQuote.html);
});

test('a note is not acknowledged by default (NOTE_ACK_DISABLED); with autoResponse.onNote it is, to the sender', () => {
  const off = decideReply({ thread: context(ticket()) });
  assert.ok(off.action === 'addNote');
  assert.deepEqual(off.answers, [{ purpose: 'autoResponse', send: false, suppression: { code: 'NOTE_ACK_DISABLED', message: 'a reply that became a note is not acknowledged (autoResponse.onNote is off)' } }]);

  const on = decideReply({ thread: context(ticket()), channel: channel({ answers: { autoResponse: { onNote: true } } }) });
  assert.ok(on.action === 'addNote');
  assert.deepEqual(on.answers, [{ purpose: 'autoResponse', send: true, to: { address: 'alice@example.org', name: 'Alice' } }]);

  // the reply answers our own acknowledgement to the same sender within the hour: the loop rule holds even with onNote
  const looping = decideReply({ thread: context(ticket()), channel: channel({ answers: { autoResponse: { onNote: true } } }), answer: noAnswersYet({ recent: { count: 1, messageIds: ['mc.1@example.com'] } }) });
  assert.ok(looping.action === 'addNote');
  assert.equal(looping.answers[0]?.send === false && looping.answers[0].suppression.code, 'LOOP_PATTERN');
});

test('imported mail is never answered: not as a new ticket, not as a note even with onNote', () => {
  const imported = noAnswersYet({ imported: true });
  const fresh = decide({ folder: 'INBOX', template, receivedAt, classification: human, channel: channel(), mail: parsedMail(), answer: imported });
  assert.ok(fresh.action === 'createTicket');
  assert.equal(fresh.answers[0]?.send === false && fresh.answers[0].suppression.code, 'IMPORTED');

  const note = decideReply({ thread: context(ticket()), channel: channel({ answers: { autoResponse: { onNote: true } } }), answer: imported });
  assert.ok(note.action === 'addNote');
  assert.equal(note.answers[0]?.send === false && note.answers[0].suppression.code, 'IMPORTED');
});

test('machine mail stops before thread resolution matters: an auto-reply naming the ticket is ignored, not a note', () => {
  const d = decideReply({ thread: context(ticket()), classification: { kind: 'auto-reply', reasons: ['Auto-Submitted: auto-replied'], noAutoResponse: true } });
  assert.equal(d.action, 'ignore');
  assert.equal(d.thread, undefined);
});
