import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser, type ParsedMail } from 'mailparser';
import { startGraphSimulator, type GraphSimulator } from '../../devhost/graph-simulator';
import { simulatorChannelInput } from '../../devhost/graph-simulator/channel';
import { resetSettingsCache } from '../../shared/config/settings';
import { resetCosmosClient } from '../../shared/store/cosmos';
import { findMarkers } from '../../shared/threading/thread-marker';
import { DEFAULT_TOKEN_FORMAT, findTokens } from '../../shared/threading/ticket-token';
import { createTicket } from '../../shared/tickets/tickets';
import { startDovecot, type Dovecot } from '../support/dovecot';
import { api, eventually, publishChannel, rfc822, tickets } from '../support/mail-e2e';
import { startTestStack, type TestStack } from '../support/stack';
import { startSmtpCapture, type SmtpCapture } from '../shared/outbound/smtp-capture';

/**
 * An agent's reply by mail and the requester's status notification, end to end on real
 * parts: the local Functions host (child process) with Azurite and the Cosmos emulator; an
 * IMAP channel on Dovecot whose SMTP goes to an `smtp-server` capture, and a Microsoft 365
 * channel on the Graph simulator whose sendMail delivers into the customer's simulated
 * mailbox. The ticket is made by the pipeline from a customer's mail; the reply and the
 * status change go through the admin API as an agent's client would call it.
 */
let stack: TestStack;
let dovecot: Dovecot;
let capture: SmtpCapture;
let sim: GraphSimulator;

const IMAP_DESK = { user: 'desk-reply@example.com', password: 'desk-reply-secret' };
const IMAP_DESK_STATUS = { user: 'desk-status@example.com', password: 'desk-status-secret' };
const IMAP_DESK_QUIET = { user: 'desk-quiet@example.com', password: 'desk-quiet-secret' };
const IMAP_DESKS = [IMAP_DESK, IMAP_DESK_STATUS, IMAP_DESK_QUIET];
const GRAPH_DESK = 'desk-reply@contoso.example';
const GRAPH_CUSTOMER = 'carol@example.org';

before(async () => {
  [dovecot, capture, sim] = await Promise.all([
    startDovecot({ users: IMAP_DESKS }),
    startSmtpCapture({ passwords: Object.fromEntries(IMAP_DESKS.map((d) => [d.user, d.password])) }),
    startGraphSimulator({ mailboxes: [GRAPH_DESK, GRAPH_CUSTOMER] }),
  ]);
  stack = await startTestStack({ trustCa: [dovecot.caCertPem, sim.caCertPem] });
  // this process writes a ticket of no channel straight into the stack's Cosmos
  Object.assign(process.env, { COSMOS_ENDPOINT: stack.env.COSMOS_ENDPOINT, COSMOS_KEY: stack.env.COSMOS_KEY, COSMOS_DATABASE: stack.env.COSMOS_DATABASE, AzureWebJobsStorage: stack.env.AzureWebJobsStorage });
  resetSettingsCache();
  resetCosmosClient();
});

after(async () => {
  resetCosmosClient();
  await stack?.stop();
  await Promise.all([dovecot?.stop(), capture?.stop(), sim?.stop()]);
});

function imapChannel(desk: { user: string; password: string }, over: Record<string, unknown> = {}) {
  return {
    name: `Reply desk ${desk.user}`,
    connection: {
      protocol: 'imap',
      host: '127.0.0.1',
      port: dovecot.port,
      tls: 'starttls',
      username: desk.user,
      replyTo: 'helpdesk@example.com',
      auth: { type: 'password', password: desk.password },
      smtp: { host: '127.0.0.1', port: capture.port, tls: 'none', allowPlaintext: true },
    },
    folders: { read: ['INBOX'], success: 'Processed', fail: 'Failed' },
    domains: { allowed: ['example.org'] },
    ticketMapping: { templateId: 'it-support' },
    ...over,
  };
}

async function sync(channelId: string): Promise<void> {
  const res = await api(stack, 'POST', `channels/${channelId}/sync`);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  await stack.settle(60_000);
}

/** A customer's mail into the channel's mailbox, synced: the ticket the pipeline made of it. */
async function ticketFromMail(channelId: string, deliver: (raw: Buffer) => Promise<unknown>, mail: Parameters<typeof rfc822>[0]): Promise<string> {
  await deliver(rfc822(mail));
  await sync(channelId);
  const made = (await tickets(stack, channelId)).find((t) => t.title === mail.subject);
  assert.ok(made, `a ticket from "${mail.subject}"\n${stack.logs().slice(-3000)}`);
  return made.id;
}

interface ReplyAccepted { noteId: string; outboxId: string; messageId: string; ticketNumber: number; outboxState: string; created: boolean }

function reply(ticketId: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${stack.baseUrl}/api/tickets/${encodeURIComponent(ticketId)}/reply`, {
    method: 'POST',
    headers: { 'x-functions-key': stack.adminKey, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  }).then(async (res) => ({ status: res.status, body: (await res.json()) as ReplyAccepted & { error?: string; message?: string; issues?: { path: string }[] } }));
}

interface Notification { sent: boolean; outboxId?: string; messageId?: string; state?: string; created?: boolean; suppression?: { code: string; message: string } }

function patchStatus(ticketId: string, status: string, ifMatch?: string) {
  return fetch(`${stack.baseUrl}/api/tickets/${encodeURIComponent(ticketId)}`, {
    method: 'PATCH',
    headers: { 'x-functions-key': stack.adminKey, 'content-type': 'application/merge-patch+json', ...(ifMatch ? { 'if-match': ifMatch } : {}) },
    body: JSON.stringify({ status }),
  }).then(async (res) => ({
    status: res.status,
    etag: res.headers.get('etag') ?? '',
    body: (await res.json()) as { status?: string; closedAt?: string; notification?: Notification; error?: string; message?: string },
  }));
}

interface TicketRead {
  id: string;
  number?: number;
  status: string;
  participants: string[];
  notes: { id: string; direction: string; outboxId?: string; text: string; author: { email: string; name?: string }; attachments: { filename: string; href?: string }[]; outbox?: { id: string; state: string; messageId?: string; sentAt?: string } }[];
}

async function readTicket(id: string): Promise<{ ticket: TicketRead; etag: string }> {
  const res = await api<TicketRead>(stack, 'GET', `tickets/${encodeURIComponent(id)}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { ticket: res.body, etag: res.headers.get('etag') ?? '' };
}

const parsedCaptures = () => Promise.all(capture.mails.map((m) => simpleParser(m.raw)));
const header = (m: ParsedMail, name: string) => {
  const v = m.headers.get(name);
  return typeof v === 'string' ? v : undefined;
};
const withMessageId = async (id: string) => (await parsedCaptures()).filter((m) => m.messageId === id);
/** Our notifications about the ticket with this token number, as captured. */
const notificationsOf = async (ticketNumber: number) =>
  (await parsedCaptures()).filter((m) => header(m, 'auto-submitted') === 'auto-generated' && findTokens(DEFAULT_TOKEN_FORMAT, m.subject ?? '')[0]?.ticketNumber === ticketNumber);

test('IMAP channel: an agent’s reply goes out by SMTP from the channel to the requester and cc, threaded to the customer’s mail, signed token and marker, no Auto-Submitted; the note is on the ticket; the same Idempotency-Key twice sends one mail', async () => {
  const channelId = await publishChannel(stack, imapChannel(IMAP_DESK));
  await stack.settle(30_000);
  const ticketId = await ticketFromMail(channelId, (raw) => dovecot.append(IMAP_DESK.user, 'INBOX', raw), {
    from: 'Alice Example <alice@example.org>',
    to: IMAP_DESK.user,
    subject: 'Printer jammed on floor 2',
    messageId: '<printer-2@client.example.org>',
  });

  const body = {
    text: 'Hello Alice,\n\nthe printer is fixed.\n\nAnn',
    html: '<p>Hello Alice,</p><p>the printer is <b>fixed</b>.</p><script>alert(1)</script>',
    cc: ['boss@example.org'],
    attachments: [{ filename: 'report.txt', contentType: 'text/plain', contentBase64: Buffer.from('all good\n').toString('base64') }],
    author: { email: 'ann@example.com', name: 'Ann Agent' },
  };
  const first = await reply(ticketId, body, { 'idempotency-key': 'reply-printer-1' });
  assert.equal(first.status, 202, JSON.stringify(first.body));
  assert.equal(first.body.created, true);
  await eventually(stack, async () => (await withMessageId(first.body.messageId)).length > 0, 'the reply captured by SMTP');

  const [sent] = await withMessageId(first.body.messageId);
  assert.ok(sent);
  assert.deepEqual(sent.from?.value.map((a) => a.address), [IMAP_DESK.user]);
  assert.equal(sent.from?.value[0]?.name, `Reply desk ${IMAP_DESK.user}`);
  assert.deepEqual((Array.isArray(sent.to) ? sent.to : [sent.to]).flatMap((t) => t?.value.map((a) => a.address) ?? []), ['alice@example.org']);
  assert.deepEqual((Array.isArray(sent.cc) ? sent.cc : [sent.cc]).flatMap((t) => t?.value.map((a) => a.address) ?? []), ['boss@example.org']);
  assert.deepEqual(sent.replyTo?.value.map((a) => a.address), ['helpdesk@example.com']);
  const [token] = findTokens(DEFAULT_TOKEN_FORMAT, sent.subject ?? '');
  assert.equal(token?.ticketNumber, first.body.ticketNumber);
  assert.ok(token?.signature, 'the token is signed');
  assert.equal(sent.subject, `${token.text} Re: Printer jammed on floor 2`);
  assert.equal(sent.inReplyTo, '<printer-2@client.example.org>');
  assert.deepEqual([sent.references].flat(), ['<printer-2@client.example.org>']);
  assert.equal(header(sent, 'auto-submitted'), undefined, 'a person’s mail: no Auto-Submitted');
  assert.equal(header(sent, 'x-auto-response-suppress'), undefined);
  assert.equal(header(sent, 'x-mailchannel-id'), channelId);
  const markers = findMarkers(DEFAULT_TOKEN_FORMAT, typeof sent.html === 'string' ? sent.html : undefined, sent.text);
  assert.deepEqual(markers.map((m) => [m.ticketNumber, m.signature]), [[token.ticketNumber, token.signature]]);
  assert.ok(sent.text?.includes(`[ref:T-${String(token.ticketNumber).padStart(6, '0')}-${token.signature}]`), 'the marker as its own line in the text');
  assert.equal(String(sent.html).includes('<script'), false, 'the HTML was sanitized');
  assert.deepEqual(sent.attachments.map((a) => [a.filename, a.content.toString()]), [['report.txt', 'all good\n']]);
  const envelope = capture.mails.find((m) => m.raw.includes(Buffer.from(first.body.messageId)))!.envelope;
  assert.deepEqual([...envelope.to].sort(), ['alice@example.org', 'boss@example.org']);

  const { ticket } = await readTicket(ticketId);
  assert.equal(ticket.number, first.body.ticketNumber, 'the ticket keeps the number its token shows');
  assert.ok(ticket.participants.includes('boss@example.org'), 'the cc’d person is a participant: their answer attaches');
  const note = ticket.notes.find((n) => n.id === first.body.noteId);
  assert.ok(note, JSON.stringify(ticket.notes));
  assert.equal(note.direction, 'outbound');
  assert.equal(note.outboxId, first.body.outboxId);
  assert.deepEqual(note.author, { email: 'ann@example.com', name: 'Ann Agent' });
  assert.equal(note.text, body.text, 'the note shows the reply without the marker');
  assert.deepEqual(note.outbox, { id: first.body.outboxId, state: 'sent', messageId: first.body.messageId, sentAt: note.outbox?.sentAt });
  assert.ok(note.attachments[0]?.href, 'the attachment is on the note, downloadable');

  const again = await reply(ticketId, body, { 'idempotency-key': 'reply-printer-1' });
  assert.equal(again.status, 202, JSON.stringify(again.body));
  assert.deepEqual([again.body.noteId, again.body.outboxId, again.body.messageId, again.body.created, again.body.outboxState], [first.body.noteId, first.body.outboxId, first.body.messageId, false, 'sent']);
  await stack.settle(30_000);
  assert.equal((await withMessageId(first.body.messageId)).length, 1, 'the repeated request sent nothing');
  assert.equal((await readTicket(ticketId)).ticket.notes.filter((n) => n.direction === 'outbound').length, 1, 'and made no second note');

  const reused = await reply(ticketId, { text: 'something else' }, { 'idempotency-key': 'reply-printer-1' });
  assert.equal(reused.status, 409, JSON.stringify(reused.body));
  assert.equal(reused.body.error, 'idempotency_key_reused');

  const second = await reply(ticketId, { text: 'One more thing.' });
  assert.equal(second.status, 202, JSON.stringify(second.body));
  assert.notEqual(second.body.noteId, first.body.noteId, 'without a key, a new reply');
  await eventually(stack, async () => (await withMessageId(second.body.messageId)).length === 1, 'the second reply captured');
  const [secondMail] = await withMessageId(second.body.messageId);
  assert.equal(secondMail?.inReplyTo, '<printer-2@client.example.org>', 'still answers the customer’s latest mail');
  assert.deepEqual([secondMail?.references].flat(), [first.body.messageId, '<printer-2@client.example.org>'], 'our first reply is in its References, the parent last');
  assert.deepEqual((await readTicket(ticketId)).ticket.notes.find((n) => n.id === second.body.noteId)?.author, { email: IMAP_DESK.user, name: 'admin' }, 'the admin key writes as "admin"');
});

test('IMAP channel: PATCH resolved notifies the requester once (Auto-Submitted: auto-generated, the token, threaded); the same PATCH again sends nothing; a stale If-Match is 412', async () => {
  const channelId = await publishChannel(stack, imapChannel(IMAP_DESK_STATUS));
  await stack.settle(30_000);
  const ticketId = await ticketFromMail(channelId, (raw) => dovecot.append(IMAP_DESK_STATUS.user, 'INBOX', raw), {
    from: 'Dave Example <dave@example.org>',
    to: IMAP_DESK_STATUS.user,
    subject: 'VPN drops every hour',
    messageId: '<vpn-1@client.example.org>',
  });
  const { etag } = await readTicket(ticketId);
  assert.ok(etag, 'GET answers with the ETag');

  const resolved = await patchStatus(ticketId, 'resolved', etag);
  assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
  assert.equal(resolved.body.status, 'resolved');
  assert.ok(resolved.body.closedAt, 'resolving sets closedAt');
  const n = resolved.body.notification;
  assert.ok(n?.sent, JSON.stringify(n));
  assert.equal(n.state, 'queued');
  assert.notEqual(resolved.etag, etag, 'a new ETag');

  const { ticket } = await readTicket(ticketId);
  assert.ok(ticket.number, 'the ticket got its number');
  await eventually(stack, async () => (await notificationsOf(ticket.number!)).length > 0, 'the notification captured');
  const [mail] = await notificationsOf(ticket.number!);
  assert.equal(mail?.messageId, n.messageId);
  assert.deepEqual((Array.isArray(mail?.to) ? mail.to : [mail?.to]).flatMap((t) => t?.value.map((a) => a.address) ?? []), ['dave@example.org']);
  assert.ok(findTokens(DEFAULT_TOKEN_FORMAT, mail?.subject ?? '')[0]?.signature, 'signed token in the subject');
  assert.match(mail?.subject ?? '', /Ticket resolved: VPN drops every hour$/);
  assert.equal(mail?.inReplyTo, '<vpn-1@client.example.org>');
  assert.equal(header(mail!, 'x-auto-response-suppress'), 'All');
  assert.equal(findMarkers(DEFAULT_TOKEN_FORMAT, typeof mail?.html === 'string' ? mail.html : undefined, mail?.text).length, 1, 'the marker too');

  const repeated = await patchStatus(ticketId, 'resolved');
  assert.equal(repeated.status, 200, JSON.stringify(repeated.body));
  assert.equal(repeated.body.closedAt, resolved.body.closedAt, 'nothing changed');
  assert.deepEqual([repeated.body.notification?.outboxId, repeated.body.notification?.created, repeated.body.notification?.state], [n.outboxId, false, 'sent']);
  await stack.settle(30_000);
  assert.equal((await notificationsOf(ticket.number!)).length, 1, 'the same PATCH again sends nothing');

  const stale = await patchStatus(ticketId, 'open', etag);
  assert.equal(stale.status, 412, JSON.stringify(stale.body));
  assert.equal(stale.body.error, 'precondition_failed');

  const reopened = await patchStatus(ticketId, 'open', resolved.etag);
  assert.equal(reopened.status, 200, JSON.stringify(reopened.body));
  assert.equal(reopened.body.closedAt, undefined, 'reopening clears closedAt');
  assert.equal(reopened.body.notification, undefined, 'open is not notified');

  const unknown = await fetch(`${stack.baseUrl}/api/tickets/${ticketId}`, {
    method: 'PATCH',
    headers: { 'x-functions-key': stack.adminKey, 'content-type': 'application/merge-patch+json' },
    body: JSON.stringify({ status: 'closed', title: 'renamed' }),
  });
  assert.equal(unknown.status, 400, 'fields other than status are refused');
  assert.equal((await readTicket(ticketId)).ticket.status, 'open');
});

test('statusNotification.enabled = false: PATCH closed changes the status, sends nothing, and says why in the answer', async () => {
  const channelId = await publishChannel(stack, imapChannel(IMAP_DESK_QUIET, { answers: { statusNotification: { enabled: false } } }));
  await stack.settle(30_000);
  const ticketId = await ticketFromMail(channelId, (raw) => dovecot.append(IMAP_DESK_QUIET.user, 'INBOX', raw), {
    from: 'Erin Example <erin@example.org>',
    to: IMAP_DESK_QUIET.user,
    subject: 'Monitor flickers',
    messageId: '<monitor-1@client.example.org>',
  });
  const before = capture.mails.length;
  const closed = await patchStatus(ticketId, 'closed');
  assert.equal(closed.status, 200, JSON.stringify(closed.body));
  assert.equal(closed.body.status, 'closed');
  assert.equal(closed.body.notification?.sent, false);
  assert.equal(closed.body.notification?.suppression?.code, 'NOTIFICATION_DISABLED');
  await stack.settle(30_000);
  const after = (await parsedCaptures()).slice(before).filter((m) => header(m, 'auto-submitted') === 'auto-generated');
  assert.deepEqual(after.map((m) => m.subject), [], 'no notification went out');
});

test('Graph channel: the reply goes out through sendMail and lands in the customer’s mailbox, threaded, token and marker, no Auto-Submitted; resolving notifies once', async () => {
  const channelId = await publishChannel(stack, simulatorChannelInput(sim, GRAPH_DESK));
  await stack.settle(30_000);
  const ticketId = await ticketFromMail(channelId, (raw) => sim.deliver(GRAPH_DESK, 'Inbox', raw), {
    from: `Carol Example <${GRAPH_CUSTOMER}>`,
    to: GRAPH_DESK,
    subject: 'Teams calls drop',
    messageId: '<teams-calls-1@client.example.org>',
  });

  const sent = await reply(ticketId, { html: '<p>Please update Teams.</p>' }, { 'idempotency-key': 'graph-1' });
  assert.equal(sent.status, 202, JSON.stringify(sent.body));
  const inbox = () => sim.folderMessages(GRAPH_CUSTOMER, 'inbox');
  await eventually(stack, async () => inbox().some((m) => m.internetMessageId === sent.body.messageId), 'the reply in the customer’s mailbox');
  const again = await reply(ticketId, { html: '<p>Please update Teams.</p>' }, { 'idempotency-key': 'graph-1' });
  assert.equal(again.status, 202);
  await stack.settle(30_000);
  const copies = inbox().filter((m) => m.internetMessageId === sent.body.messageId);
  assert.equal(copies.length, 1, 'one mail for the same Idempotency-Key');

  const mail = await simpleParser(sim.rawMessage(GRAPH_CUSTOMER, copies[0]!.id)!);
  assert.deepEqual(mail.from?.value.map((a) => a.address), [GRAPH_DESK]);
  assert.equal(mail.inReplyTo, '<teams-calls-1@client.example.org>');
  const [token] = findTokens(DEFAULT_TOKEN_FORMAT, mail.subject ?? '');
  assert.ok(token?.signature);
  assert.equal(mail.subject, `${token.text} Re: Teams calls drop`);
  assert.equal(header(mail, 'auto-submitted'), undefined);
  assert.equal(findMarkers(DEFAULT_TOKEN_FORMAT, typeof mail.html === 'string' ? mail.html : undefined, mail.text).length, 1);
  assert.match(mail.text ?? '', /Please update Teams\./, 'text made from the HTML');
  assert.equal((await readTicket(ticketId)).ticket.notes.find((n) => n.id === sent.body.noteId)?.outbox?.state, 'sent');

  const tooLarge = await reply(ticketId, { html: `<p>${'ü'.repeat(499_000)}</p>`, attachments: [{ filename: 'dump.bin', contentBase64: Buffer.alloc(2 * 1024 * 1024, 7).toString('base64') }] });
  assert.equal(tooLarge.status, 413, JSON.stringify(tooLarge.body).slice(0, 500));
  assert.equal(tooLarge.body.error, 'reply_too_large');
  assert.equal((await readTicket(ticketId)).ticket.notes.filter((n) => n.direction === 'outbound').length, 1, 'the refused reply left no note');

  const resolved = await patchStatus(ticketId, 'resolved');
  assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
  assert.ok(resolved.body.notification?.sent);
  await eventually(stack, async () => inbox().some((m) => m.internetMessageId === resolved.body.notification?.messageId), 'the notification in the customer’s mailbox');
  await patchStatus(ticketId, 'resolved');
  await stack.settle(30_000);
  const notification = inbox().filter((m) => m.internetMessageId === resolved.body.notification?.messageId);
  assert.equal(notification.length, 1);
  const parsed = await simpleParser(sim.rawMessage(GRAPH_CUSTOMER, notification[0]!.id)!);
  assert.equal(header(parsed, 'auto-submitted'), 'auto-generated');
  assert.equal(parsed.inReplyTo, '<teams-calls-1@client.example.org>');
  assert.ok([parsed.references].flat().includes(sent.body.messageId), 'our reply is in its References');
});

test('refusals: a ticket of no channel cannot be replied to (409) and gets no notification; an unknown ticket is 404; a cc of our own address and a reply without text are 400', async () => {
  const { ticket } = await createTicket({ id: `manual-${Date.now()}`, templateId: 'it-support', title: 'Typed in by phone', description: { text: 'call back' }, requester: { email: 'frank@example.org' } });
  const noChannel = await reply(ticket.id, { text: 'Hello' });
  assert.equal(noChannel.status, 409, JSON.stringify(noChannel.body));
  assert.match(noChannel.body.message ?? '', /did not come from a mail channel/);
  const closed = await patchStatus(ticket.id, 'closed');
  assert.equal(closed.status, 200, JSON.stringify(closed.body));
  assert.deepEqual([closed.body.notification?.sent, closed.body.notification?.suppression?.code], [false, 'NO_CHANNEL']);

  assert.equal((await reply('no-such-ticket', { text: 'x' })).status, 404);
  assert.equal((await patchStatus('no-such-ticket', 'closed')).status, 404);

  const channelId = (await api<{ items: { id: string; connection: { username: string } }[] }>(stack, 'GET', 'channels')).body.items.find((c) => c.connection.username === IMAP_DESK.user)!.id;
  const someTicket = (await tickets(stack, channelId))[0]!.id;
  const ownCc = await reply(someTicket, { text: 'x', cc: ['helpdesk@example.com'] });
  assert.equal(ownCc.status, 400, JSON.stringify(ownCc.body));
  assert.deepEqual(ownCc.body.issues?.map((i) => i.path), ['cc.0']);
  const empty = await reply(someTicket, { cc: [] });
  assert.equal(empty.status, 400);
  const badKey = await reply(someTicket, { text: 'x' }, { 'idempotency-key': 'ü' });
  assert.equal(badKey.status, 400);
});
