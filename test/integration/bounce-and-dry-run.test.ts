import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  capturedAnswerTo,
  channelTickets,
  imapChannelInput,
  ledgerOf,
  mime,
  newMessageId,
  publish,
  readTicket,
  replyTo,
  startReplyWorld,
  sync,
  type ReplyWorld,
} from '../support/reply-world';
import { readOutbox } from '../../shared/store/outbox';
import { postfixBounce } from '../support/bounce-mail';

/**
 * Issue 7 end to end, the rest: a bounce of our acknowledgement is marked on the ticket and
 * its outbox record and makes no ticket and no answer; the dry run of a reply shows the
 * thread it found and the note it would add, and writes nothing. Real parts: the local host
 * with Azurite and the Cosmos emulator, an IMAP channel on Dovecot sending through an
 * smtp-server capture.
 */
let world: ReplyWorld;
const DESK = { user: 'desk-bounce@example.com', password: 'desk-bounce-secret' };

before(async () => {
  world = await startReplyWorld({ desks: [DESK] });
});
after(async () => {
  await world?.stop();
});

test('a bounce of our acknowledgement: the ticket says the requester address is undeliverable, the outbox record keeps the bounce, and no ticket or answer is made — also from a domain the channel does not accept', async () => {
  const channelId = await publish(world, imapChannelInput(world, DESK));
  const customerMessageId = newMessageId('monitor');
  await world.dovecot.append(DESK.user, 'INBOX', mime({ from: 'Bob <bob@example.org>', to: DESK.user, subject: 'Monitor flickers', messageId: customerMessageId, text: 'My monitor flickers.' }));
  await sync(world, channelId);
  const ack = await capturedAnswerTo(world, customerMessageId);
  const [made] = await channelTickets(world, channelId);
  assert.ok(made);
  const sentBefore = world.capture.mails.length;

  await world.dovecot.append(DESK.user, 'INBOX', postfixBounce({ originalId: ack.messageId!, recipient: 'bob@example.org', to: DESK.user, originalFrom: `Desk <${DESK.user}>`, originalSubject: 'Re: Monitor flickers' }));
  await sync(world, channelId);

  const bounce = (await ledgerOf(world, channelId)).find((r) => r.subject === 'Undelivered Mail Returned to Sender');
  assert.ok(bounce, 'the bounce is in the ledger');
  assert.equal(bounce.outcome, 'ignored');
  assert.equal(bounce.reasonCode, 'OWN_MAIL_BOUNCED', JSON.stringify(bounce));
  assert.equal(bounce.ticketId, made.id, 'the ledger links the ticket');
  assert.equal(bounce.targetFolder, 'Processed');

  const ticket = (await readTicket(world, made.id)) as Awaited<ReturnType<typeof readTicket>> & { undeliverable?: { reason: string; outboxId?: string } };
  assert.match(ticket.undeliverable?.reason ?? '', /^requester address undeliverable: .*5\.1\.1/);
  const outboxId = ticket.undeliverable?.outboxId;
  assert.ok(outboxId);
  const record = await readOutbox(channelId, outboxId);
  assert.equal(record?.record.state, 'sent');
  assert.equal(record?.record.bounce?.recipient, 'bob@example.org');
  assert.equal((await channelTickets(world, channelId)).length, 1, 'no ticket for the bounce');
  assert.equal(world.capture.mails.length, sentBefore, 'no answer to the bounce');
});

test('the dry run of a reply shows the thread it found and the note it would add, and writes nothing', async () => {
  const channelId = await publish(world, imapChannelInput(world, DESK, { name: 'Dry-run replies' }));
  const customerMessageId = newMessageId('keyboard');
  await world.dovecot.append(DESK.user, 'INBOX', mime({ from: 'Carol <carol@example.org>', to: DESK.user, subject: 'Keyboard sticks', messageId: customerMessageId, text: 'Keys stick.' }));
  await sync(world, channelId);
  const ack = await capturedAnswerTo(world, customerMessageId);
  const [ticket] = await channelTickets(world, channelId);
  assert.ok(ticket);
  const ledgerBefore = (await ledgerOf(world, channelId)).length;

  const reply = replyTo(ack, { from: 'Carol <carol@example.org>', to: DESK.user, text: 'It is the space bar.' });
  const res = await fetch(`${world.stack.baseUrl}/api/channels/${channelId}/dry-run`, {
    method: 'POST',
    headers: { 'x-functions-key': world.stack.adminKey, 'content-type': 'message/rfc822' },
    body: reply.raw,
  });
  assert.equal(res.status, 200);
  const body = (await res.json()) as {
    outcome: string;
    decision: { action: string; thread?: { ticketId?: string; code: string; signals: string[] }; answers?: { send: boolean; suppression?: { code: string } }[] };
    note?: { id: string; ticketId: string; text: string };
  };
  assert.equal(body.outcome, 'noted');
  assert.equal(body.decision.action, 'addNote');
  assert.equal(body.decision.thread?.ticketId, ticket.id);
  assert.equal(body.decision.thread?.code, 'ATTACHED');
  assert.ok(body.decision.thread?.signals.some((s) => s.startsWith('token ')), JSON.stringify(body.decision.thread));
  assert.equal(body.note?.ticketId, ticket.id);
  assert.equal(body.note?.text.trim(), 'It is the space bar.');
  assert.equal(body.decision.answers?.[0]?.suppression?.code, 'NOTE_ACK_DISABLED');
  assert.equal((await ledgerOf(world, channelId)).length, ledgerBefore, 'the dry run wrote no ledger record');
  assert.equal((await readTicket(world, ticket.id)).notes.length, 0, 'and no note');
});
