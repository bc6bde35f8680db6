import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ParsedMail } from 'mailparser';
import { lookupMessageIds } from '../../shared/store/thread-index';
import { DEFAULT_TOKEN_FORMAT } from '../../shared/threading/ticket-token';
import { findMarkers } from '../../shared/threading/thread-marker';
import { eventually } from '../support/mail-e2e';
import {
  addressesOf,
  capturedAnswerTo,
  capturedMails,
  channelTickets,
  graphChannelInput,
  header,
  imapChannelInput,
  ledgerEntry,
  ledgerOf,
  mime,
  newMessageId,
  outlookReplyTo,
  publish,
  readTicket,
  replyTo,
  simInbox,
  startReplyWorld,
  sync,
  tokenOf,
  type ReplyWorld,
} from '../support/reply-world';

/**
 * Issue 7 end to end, the conversation: a new mail makes a ticket and is acknowledged; the
 * customer's answers — to the acknowledgement, with only References, with only our marker
 * in the quote, to an agent's reply, delivered three times — become notes on that ticket.
 * Real parts: the local host with Azurite and the Cosmos emulator, an IMAP channel on
 * Dovecot sending through an smtp-server capture, a Graph channel on the simulator.
 */
let world: ReplyWorld;

const DESK = { user: 'desk-conv@example.com', password: 'desk-conv-secret' };
const GRAPH_DESK = 'desk-conv@contoso.example';
const GRAPH_CUSTOMER = 'gina@example.org';
const ALICE = 'Alice Example <alice@example.org>';

before(async () => {
  world = await startReplyWorld({ desks: [DESK], graphMailboxes: [GRAPH_DESK, GRAPH_CUSTOMER] });
});

after(async () => {
  await world?.stop();
});

/** What the IMAP scenarios share: the channel, the first ticket and its acknowledgement. */
let imap: { channelId: string; ticketId: string; customerMessageId: string; ack: ParsedMail } | undefined;
/** The Graph channel's ticket and its acknowledgement (scenarios 1 and 2 on Graph). */
let graph: { channelId: string; ticketId: string; ack: ParsedMail } | undefined;

const deliverImap = (raw: Buffer) => world.dovecot.append(DESK.user, 'INBOX', raw);

/** The checks of an acknowledgement every channel must pass (scenario 1). */
async function assertAcknowledgement(ack: ParsedMail, o: { channelId: string; from: string; replyTo?: string; to: string; subject: string; customerMessageId: string; ticketNumber: number | undefined }): Promise<void> {
  assert.deepEqual(ack.from?.value.map((a) => a.address), [o.from], 'From: the channel');
  if (o.replyTo) assert.deepEqual(ack.replyTo?.value.map((a) => a.address), [o.replyTo], "Reply-To: the channel's reply-to");
  assert.deepEqual(addressesOf(ack.to), [o.to], 'To: the customer');
  const token = tokenOf(ack);
  assert.ok(token?.signature, `a signed token in "${ack.subject}"`);
  assert.equal(token.ticketNumber, o.ticketNumber, "the token shows the ticket's number");
  assert.equal(ack.subject, `${token.text} Re: ${o.subject}`);
  assert.equal(ack.inReplyTo, o.customerMessageId);
  assert.deepEqual([ack.references].flat(), [o.customerMessageId]);
  assert.equal(header(ack, 'auto-submitted'), 'auto-replied');
  assert.equal(header(ack, 'x-auto-response-suppress'), 'All');
  assert.equal(header(ack, 'x-mailchannel-id'), o.channelId);
  const ref = `[ref:T-${String(token.ticketNumber).padStart(6, '0')}-${token.signature}]`;
  assert.ok(ack.text?.includes(ref), `the marker ${ref} in the text`);
  assert.ok(typeof ack.html === 'string' && ack.html.includes(ref), 'and in the HTML');
  const markers = findMarkers(DEFAULT_TOKEN_FORMAT, ack.html || undefined, ack.text);
  assert.ok(markers.length > 0);
  assert.ok(markers.every((m) => m.ticketNumber === token.ticketNumber && m.signature === token.signature), JSON.stringify(markers));
  const [entry] = await lookupMessageIds(o.channelId, [ack.messageId!]);
  assert.ok(entry, `the acknowledgement's Message-ID ${ack.messageId} is in the thread index`);
  assert.equal(entry.kind, 'sent');
}

test('IMAP, scenario 1: a new mail makes a ticket and an acknowledgement: from the channel, Reply-To, to the customer, signed token, threaded to the customer’s mail, Auto-Submitted: auto-replied, X-Auto-Response-Suppress, X-MailChannel-Id, the marker in text and HTML, its Message-ID in the thread index; the ledger names the outbox record', async () => {
  const channelId = await publish(world, imapChannelInput(world, DESK));
  const customerMessageId = newMessageId('printer');
  await deliverImap(mime({ from: ALICE, to: DESK.user, subject: 'Printer jammed on floor 2', messageId: customerMessageId, text: 'Hello,\n\nthe printer on floor 2 is jammed again.\n\nAlice' }));
  await sync(world, channelId);

  const record = await ledgerEntry(world, channelId, customerMessageId);
  assert.equal(record.outcome, 'created', JSON.stringify(record));
  assert.equal(record.thread?.code, 'NO_THREAD');
  const ticketId = record.ticketId!;
  assert.equal(record.answers?.length, 1, JSON.stringify(record.answers));
  const [answer] = record.answers!;
  assert.equal(answer?.purpose, 'autoResponse');
  assert.ok(answer?.outboxId, `the outbox id in the ledger: ${JSON.stringify(answer)}`);
  assert.equal(answer.to, 'alice@example.org');

  const ack = await capturedAnswerTo(world, customerMessageId);
  const ticket = await readTicket(world, ticketId);
  await assertAcknowledgement(ack, { channelId, from: DESK.user, replyTo: `reply-${DESK.user}`, to: 'alice@example.org', subject: 'Printer jammed on floor 2', customerMessageId, ticketNumber: ticket.number });
  const [entry] = await lookupMessageIds(channelId, [ack.messageId!]);
  assert.equal(entry?.ticketId, ticketId);
  assert.equal(entry?.outboxId, answer.outboxId, 'the thread-index entry names the outbox record the ledger names');
  imap = { channelId, ticketId, customerMessageId, ack };
});

test('IMAP, scenario 2: the customer answers the acknowledgement (quote with our marker under "On … wrote:") → a note on the same ticket, the quote cut, no acknowledgement (NOTE_ACK_DISABLED), the note linked to the stored original', async () => {
  assert.ok(imap, 'scenario 1 ran');
  const sentBefore = world.capture.mails.length;
  const reply = replyTo(imap.ack, { from: ALICE, to: DESK.user, text: 'Thanks! It jams when printing on both sides.\n\nAlice' });
  await deliverImap(reply.raw);
  await sync(world, imap.channelId);

  const record = await ledgerEntry(world, imap.channelId, reply.messageId);
  assert.equal(record.outcome, 'noted', JSON.stringify(record));
  assert.equal(record.ticketId, imap.ticketId);
  assert.equal(record.thread?.ticketId, imap.ticketId);
  assert.equal(record.thread?.code, 'ATTACHED');
  assert.ok(record.thread?.signals.some((s) => s.startsWith('token ') && s.endsWith('(valid)')), JSON.stringify(record.thread));
  assert.deepEqual(record.answers?.map((a) => a.suppression?.code), ['NOTE_ACK_DISABLED']);
  assert.equal(record.answers?.[0]?.outboxId, undefined);

  const ticket = await readTicket(world, imap.ticketId);
  const note = ticket.notes.find((n) => n.id === record.noteId);
  assert.ok(note, JSON.stringify(ticket.notes));
  assert.equal(note.direction, 'inbound');
  assert.equal(note.author.email, 'alice@example.org');
  assert.equal(note.text.trim(), 'Thanks! It jams when printing on both sides.\n\nAlice', 'the new text only');
  for (const quoted of ['wrote:', '[ref:', 'thank you for your message']) assert.ok(!note.text.includes(quoted), `no "${quoted}" in the note`);
  assert.ok(note.source?.rawBlob, 'the note names the stored original');
  assert.equal(note.source.rawBlob, record.rawBlob);
  assert.equal(note.source.messageId, reply.messageId.slice(1, -1));
  assert.equal((await channelTickets(world, imap.channelId)).length, 1, 'no second ticket');
  await world.stack.settle(30_000);
  assert.equal(world.capture.mails.length, sentBefore, 'nothing was sent');
});

test('IMAP, scenario 3: a reply with only "Re: <subject>" (no token, no marker) but the right References → a note, found by Message-ID', async () => {
  assert.ok(imap);
  const messageId = newMessageId('refs-only');
  await deliverImap(mime({ from: ALICE, to: DESK.user, subject: 'Re: Printer jammed on floor 2', messageId, inReplyTo: imap.ack.messageId!, references: [imap.customerMessageId, imap.ack.messageId!], text: 'It is the tray, I think.\n\nAlice' }));
  await sync(world, imap.channelId);
  const record = await ledgerEntry(world, imap.channelId, messageId);
  assert.equal(record.outcome, 'noted', JSON.stringify(record));
  assert.equal(record.ticketId, imap.ticketId);
  assert.ok(record.thread?.signals.length, JSON.stringify(record.thread));
  assert.ok(record.thread.signals.every((s) => s.startsWith('messageId ')), `found by Message-ID only: ${JSON.stringify(record.thread.signals)}`);
  assert.ok(record.thread.signals.some((s) => s.endsWith('(sent)')), 'our acknowledgement’s id');
  const note = (await readTicket(world, imap.ticketId)).notes.find((n) => n.id === record.noteId);
  assert.equal(note?.text.trim(), 'It is the tray, I think.\n\nAlice');
});

test('IMAP, scenario 4: a reply whose client dropped In-Reply-To, References and the token (new subject) → found by the marker in the quoted body → a note', async () => {
  assert.ok(imap);
  const reply = replyTo(imap.ack, { from: ALICE, to: DESK.user, subject: 'Printer again', threadHeaders: false, text: 'Still jammed this morning.\n\nAlice' });
  await deliverImap(reply.raw);
  await sync(world, imap.channelId);
  const record = await ledgerEntry(world, imap.channelId, reply.messageId);
  assert.equal(record.outcome, 'noted', JSON.stringify(record));
  assert.equal(record.ticketId, imap.ticketId);
  assert.deepEqual(record.thread?.signals.map((s) => s.split(' ')[0]), ['marker'], JSON.stringify(record.thread));
  const note = (await readTicket(world, imap.ticketId)).notes.find((n) => n.id === record.noteId);
  assert.equal(note?.text.trim(), 'Still jammed this morning.\n\nAlice');
});

test('IMAP, scenario 11: the same reply three times in the mailbox (one Message-ID) → one note; the ledger keeps the copies', async () => {
  assert.ok(imap);
  const reply = replyTo(imap.ack, { from: ALICE, to: DESK.user, text: 'Sent three times by my phone.\n\nAlice' });
  const notesBefore = (await readTicket(world, imap.ticketId)).notes.length;
  for (let i = 0; i < 3; i++) await deliverImap(reply.raw);
  await sync(world, imap.channelId);
  const record = await ledgerEntry(world, imap.channelId, reply.messageId);
  assert.equal(record.outcome, 'noted', JSON.stringify(record));
  assert.equal(record.duplicates.length, 2, 'two more copies recorded on the one record');
  const notes = (await readTicket(world, imap.ticketId)).notes;
  assert.equal(notes.length, notesBefore + 1, 'one note');
  assert.equal(notes.filter((n) => n.text.includes('Sent three times')).length, 1);
  const inbox = await world.dovecot.list(DESK.user, 'INBOX');
  assert.equal(inbox.filter((m) => m.messageId === reply.messageId).length, 0, 'every copy left the inbox');
});

test('IMAP, scenario 10: an agent replies (POST /api/tickets/{id}/reply) → the customer answers that mail → a note on the same ticket (inbound), no new ticket', async () => {
  assert.ok(imap);
  const res = await fetch(`${world.stack.baseUrl}/api/tickets/${encodeURIComponent(imap.ticketId)}/reply`, {
    method: 'POST',
    headers: { 'x-functions-key': world.stack.adminKey, 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'Hello Alice,\n\nplease try the manual feed tray.\n\nAnn', author: { email: 'ann@example.com', name: 'Ann Agent' } }),
  });
  const accepted = (await res.json()) as { messageId: string; noteId: string };
  assert.equal(res.status, 202, JSON.stringify(accepted));
  let agentMail: ParsedMail | undefined;
  await eventually(world.stack, async () => {
    agentMail = (await capturedMails(world)).find((m) => m.messageId === accepted.messageId);
    return agentMail !== undefined;
  }, 'the agent’s reply captured');
  const ticketBefore = await readTicket(world, imap.ticketId);
  assert.equal(tokenOf(agentMail!)?.ticketNumber, ticketBefore.number, 'the agent’s mail carries the ticket’s token');
  assert.ok(tokenOf(agentMail!)?.signature);
  assert.equal(header(agentMail!, 'auto-submitted'), undefined, 'a person’s mail');
  assert.ok([agentMail!.references].flat().includes(imap.customerMessageId), 'threaded into the customer’s conversation');

  const answer = replyTo(agentMail!, { from: ALICE, to: DESK.user, text: 'The manual tray works, thank you Ann.\n\nAlice' });
  await deliverImap(answer.raw);
  await sync(world, imap.channelId);
  const record = await ledgerEntry(world, imap.channelId, answer.messageId);
  assert.equal(record.outcome, 'noted', JSON.stringify(record));
  assert.equal(record.ticketId, imap.ticketId);
  const ticket = await readTicket(world, imap.ticketId);
  const note = ticket.notes.find((n) => n.id === record.noteId);
  assert.equal(note?.direction, 'inbound');
  assert.equal(note?.text.trim(), 'The manual tray works, thank you Ann.\n\nAlice');
  assert.ok(ticket.notes.some((n) => n.id === accepted.noteId && n.direction === 'outbound'), 'the agent’s reply is the outbound note before it');
  assert.equal((await channelTickets(world, imap.channelId)).length, 1, 'still one ticket');
  const created = (await ledgerOf(world, imap.channelId)).filter((r) => r.outcome === 'created');
  assert.equal(created.length, 1, 'of all the mail, only the first made a ticket');
});

test('Graph, scenarios 1 and 2: the acknowledgement goes out through sendMail into the customer’s mailbox with the same headers; the customer’s answer to it is a note, unacknowledged', async () => {
  const sim = world.sim!;
  const channelId = await publish(world, graphChannelInput(world, GRAPH_DESK));
  const customerMessageId = newMessageId('teams');
  await sim.deliver(GRAPH_DESK, 'Inbox', mime({ from: `Gina Example <${GRAPH_CUSTOMER}>`, to: GRAPH_DESK, subject: 'Teams calls drop', messageId: customerMessageId, text: 'Hi,\n\nmy Teams calls drop after a minute.\n\nGina' }));
  await sync(world, channelId);

  const record = await ledgerEntry(world, channelId, customerMessageId);
  assert.equal(record.outcome, 'created', JSON.stringify(record));
  assert.ok(record.answers?.[0]?.outboxId, JSON.stringify(record.answers));
  let ack: ParsedMail | undefined;
  await eventually(world.stack, async () => {
    ack = (await simInbox(world, GRAPH_CUSTOMER)).find((m) => m.inReplyTo === customerMessageId);
    return ack !== undefined;
  }, 'the acknowledgement in the customer’s mailbox');
  const ticket = await readTicket(world, record.ticketId!);
  await assertAcknowledgement(ack!, { channelId, from: GRAPH_DESK, to: GRAPH_CUSTOMER, subject: 'Teams calls drop', customerMessageId, ticketNumber: ticket.number });

  const sentBefore = sim.sentMail.length;
  const reply = replyTo(ack!, { from: `Gina Example <${GRAPH_CUSTOMER}>`, to: GRAPH_DESK, text: 'It happens on Wi-Fi only.\n\nGina' });
  await sim.deliver(GRAPH_DESK, 'Inbox', reply.raw);
  await sync(world, channelId);
  const noted = await ledgerEntry(world, channelId, reply.messageId);
  assert.equal(noted.outcome, 'noted', JSON.stringify(noted));
  assert.equal(noted.ticketId, record.ticketId);
  assert.deepEqual(noted.answers?.map((a) => a.suppression?.code), ['NOTE_ACK_DISABLED']);
  const note = (await readTicket(world, record.ticketId!)).notes.find((n) => n.id === noted.noteId);
  assert.equal(note?.text.trim(), 'It happens on Wi-Fi only.\n\nGina');
  assert.ok(note?.source?.rawBlob);
  await world.stack.settle(30_000);
  assert.equal(sim.sentMail.length, sentBefore, 'nothing was sent');
  assert.equal((await channelTickets(world, channelId)).length, 1);
  graph = { channelId, ticketId: record.ticketId!, ack: ack! };
});

test('Graph, scenario 4 in HTML: an HTML-only Outlook reply (header block, divRplyFwdMsg) whose In-Reply-To, References and token a gateway dropped is found by the marker in the quoted HTML; the note keeps the new text and HTML only', async () => {
  assert.ok(graph, 'the Graph scenarios 1 and 2 ran');
  const reply = outlookReplyTo(graph.ack, { from: `Gina Example <${GRAPH_CUSTOMER}>`, to: GRAPH_DESK, subject: 'Teams problem', threadHeaders: false, htmlOnly: true, text: 'Now it also drops on the cable.\n\nGina' });
  await world.sim!.deliver(GRAPH_DESK, 'Inbox', reply.raw);
  await sync(world, graph.channelId);
  const record = await ledgerEntry(world, graph.channelId, reply.messageId);
  assert.equal(record.outcome, 'noted', JSON.stringify(record));
  assert.equal(record.ticketId, graph.ticketId);
  assert.ok(record.thread?.signals.some((s) => s.startsWith('marker ')), JSON.stringify(record.thread));
  assert.ok(!record.thread?.signals.some((s) => s.startsWith('token ') || s.startsWith('messageId ')), 'neither token nor Message-ID was there to find');
  const note = (await readTicket(world, graph.ticketId)).notes.find((n) => n.id === record.noteId);
  assert.ok(note, 'the note');
  assert.equal(note.text.trim(), 'Now it also drops on the cable.\n\nGina');
  assert.ok(note.html?.includes('Now it also drops on the cable.'), note.html);
  for (const quoted of ['divRplyFwdMsg', 'Sent:', '[ref:', 'thank you for your message']) assert.ok(!note.html?.includes(quoted), `no "${quoted}" in the note's HTML: ${note.html}`);
});
