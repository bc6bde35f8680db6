import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { useEmulatorEnv, type EmulatorEnv } from '../store/emulator-env';
import { createTicketDoc, readTicketDoc } from '../../../shared/store/ticket-repository';
import { lookupConversation, lookupMessageIds, lookupTicketNumber, recordMessageId, recordReceivedMail, ticketNumberFor } from '../../../shared/store/thread-index';
import { resolveThread, type ThreadLookups } from '../../../shared/threading/resolve-thread';
import { threadTokenKeys } from '../../../shared/threading/runtime';
import { DEFAULT_TOKEN_FORMAT, formatToken } from '../../../shared/threading/ticket-token';
import { embedMarker } from '../../../shared/threading/thread-marker';
import { tokenRef } from '../../../shared/threading/ticket-token';

/**
 * Thread resolution on the real thread index and tickets (Cosmos emulator): what it finds,
 * and how many reads it spends — point reads only, none for a mail that names nothing.
 */
let env: EmulatorEnv;
before(async () => {
  env = await useEmulatorEnv();
});
after(async () => {
  await env.stop();
});

const channel = { id: 'ch-desk', threading: { token: DEFAULT_TOKEN_FORMAT } };
const other = { id: 'ch-other', threading: { token: DEFAULT_TOKEN_FORMAT } };

/** The real lookups, each call counted. */
function counted(): { lookups: ThreadLookups; reads: () => number } {
  let n = 0;
  const count = <A extends unknown[], R>(fn: (...a: A) => Promise<R>, per: (...a: A) => number = () => 1) => async (...a: A) => {
    n += per(...a);
    return fn(...a);
  };
  return {
    lookups: {
      keys: threadTokenKeys,
      ticketByNumber: count(lookupTicketNumber),
      messageIds: count(lookupMessageIds, (_c, ids) => ids.length),
      conversation: count(lookupConversation),
      ticket: count(readTicketDoc),
    },
    reads: () => n,
  };
}

async function ticket(id: string, channelId: string, requester = 'ann@customer.example') {
  await createTicketDoc({
    id, templateId: 'it-support', channelId, title: `Ticket ${id}`, description: { text: 'x' }, requester: { email: requester }, watchers: [{ email: 'Boss@Customer.example' }],
    fields: {}, priority: 'normal', status: 'open', attachments: [], participants: ['helper@customer.example'], createdAt: new Date().toISOString(),
  });
  const number = await ticketNumberFor(id, channelId);
  return number;
}

test('a signed subject token finds its ticket with two point reads (number, ticket), and the ticket comes with its participants', async () => {
  const n = await ticket('T-res-1', channel.id);
  const [key] = await threadTokenKeys();
  const { lookups, reads } = counted();
  const ctx = await resolveThread({ subject: `Re: ${formatToken(DEFAULT_TOKEN_FORMAT, channel.id, n, key!)} Printer` }, channel, lookups);
  assert.equal(ctx.choice.ticketId, 'T-res-1');
  assert.equal(ctx.candidates[0]?.signal, 'token');
  assert.equal(ctx.candidates[0]?.signal === 'token' && ctx.candidates[0].signature, 'valid');
  assert.deepEqual(ctx.ticket?.participants, ['ann@customer.example', 'boss@customer.example', 'helper@customer.example']);
  assert.equal(ctx.ticket?.status, 'open');
  assert.equal(reads(), 2);
});

test('a reply with only "Re:" and References we recorded finds the ticket by Message-ID', async () => {
  await ticket('T-res-2', channel.id);
  await recordMessageId(channel.id, '<mc.sent-2@contoso.example>', 'T-res-2', 'sent', new Date(), 'out-2');
  const ctx = await resolveThread({ subject: 'Re: Printer', references: ['<first@customer.example>', '<mc.sent-2@contoso.example>'] }, channel, counted().lookups);
  assert.equal(ctx.choice.ticketId, 'T-res-2');
  assert.deepEqual(ctx.choice.signals.map((s) => s.signal), ['messageId']);
});

test('a reply whose client dropped headers and token is found by the signed marker quoted in its body', async () => {
  const n = await ticket('T-res-3', channel.id);
  const [key] = await threadTokenKeys();
  const ours = embedMarker(undefined, 'We opened your ticket.', tokenRef(DEFAULT_TOKEN_FORMAT, channel.id, n, key));
  const text = `Thanks!\n\n${ours.text.split('\n').map((l) => `> ${l}`).join('\n')}`;
  const ctx = await resolveThread({ subject: 'Printer', text }, channel, counted().lookups);
  assert.equal(ctx.choice.ticketId, 'T-res-3');
  assert.equal(ctx.choice.signals[0]?.signal, 'marker');
});

test('a reply naming its ticket by token and by quoted marker reads the number once (and the ticket once)', async () => {
  const n = await ticket('T-res-3b', channel.id);
  const [key] = await threadTokenKeys();
  const ours = embedMarker(undefined, 'We opened your ticket.', tokenRef(DEFAULT_TOKEN_FORMAT, channel.id, n, key));
  const text = `Thanks!\n\n${ours.text.split('\n').map((l) => `> ${l}`).join('\n')}`;
  const { lookups, reads } = counted();
  const ctx = await resolveThread({ subject: `Re: ${formatToken(DEFAULT_TOKEN_FORMAT, channel.id, n, key!)} Printer`, text }, channel, lookups);
  assert.equal(ctx.choice.ticketId, 'T-res-3b');
  assert.deepEqual(ctx.candidates.map((c) => c.signal), ['token', 'marker'], 'both signals are kept for the record');
  assert.equal(reads(), 2);
});

test("a token of another channel's ticket is set aside: never this channel's ticket", async () => {
  const n = await ticket('T-res-4', other.id);
  const [key] = await threadTokenKeys();
  const ctx = await resolveThread({ subject: `Re: ${formatToken(DEFAULT_TOKEN_FORMAT, other.id, n, key!)} Printer` }, channel, counted().lookups);
  assert.equal(ctx.choice.ticketId, undefined);
  assert.equal(ctx.ticket, undefined);
  assert.equal(ctx.choice.setAside[0]?.code, 'OTHER_CHANNEL_TICKET');
});

test('a mail that names nothing costs no read, and a hostile subject with 10,000 tokens costs what three do', async () => {
  const quiet = counted();
  const none = await resolveThread({ subject: 'Printer jammed', text: 'Hello' }, channel, quiet.lookups);
  assert.equal(none.choice.ticketId, undefined);
  assert.equal(quiet.reads(), 0);

  const hostile = counted();
  await resolveThread({ subject: Array.from({ length: 10_000 }, (_, i) => `[#T-${String(i + 1).padStart(6, '0')}]`).join(' ') }, channel, hostile.lookups);
  assert.ok(hostile.reads() <= 4, `${hostile.reads()} reads`);
});

test('an index entry whose ticket was deleted names nothing', async () => {
  await recordMessageId(channel.id, '<orphan@contoso.example>', 'T-gone', 'sent');
  const ctx = await resolveThread({ subject: 'Re: x', inReplyTo: '<orphan@contoso.example>' }, channel, counted().lookups);
  assert.equal(ctx.choice.ticketId, 'T-gone');
  assert.equal(ctx.ticket, undefined);
});

test('a Graph reply that lost token, ids and marker is found by its conversation, read only when nothing stronger names a ticket; a new mail of the same subject is not looked up', async () => {
  await ticket('T-res-5', channel.id);
  await ticket('T-res-6', channel.id);
  await recordReceivedMail(channel.id, { conversationId: 'AAQkAGConv-printer' }, 'T-res-5');
  // an Outlook reply whose sender rewrote the subject: only its conversation index says it is a reply
  const childIndex = Buffer.concat([Buffer.from([1, 0xd9, 0x1a, 0x2b, 0x3c, 0x4d]), Buffer.alloc(16, 7), Buffer.from([0, 0, 1, 2, 3])]).toString('base64');
  const alone = await resolveThread({ subject: 'Printer', conversationId: 'AAQkAGConv-printer', headers: { 'thread-index': childIndex } }, channel, counted().lookups);
  assert.equal(alone.choice.ticketId, 'T-res-5');
  // a new mail with the same subject shares the conversation only through Exchange's subject hash: not looked up
  const fresh = counted();
  const newMail = await resolveThread({ subject: 'Printer', conversationId: 'AAQkAGConv-printer' }, channel, fresh.lookups);
  assert.equal(newMail.choice.ticketId, undefined);
  assert.equal(fresh.reads(), 0, 'a new mail costs no read');
  await recordMessageId(channel.id, '<mc.6@contoso.example>', 'T-res-6', 'sent');
  const reads = counted();
  const both = await resolveThread({ subject: 'Re: Printer', conversationId: 'AAQkAGConv-printer', inReplyTo: '<mc.6@contoso.example>' }, channel, reads.lookups);
  assert.equal(both.choice.ticketId, 'T-res-6', 'the Message-ID ranks higher');
  assert.equal(reads.reads(), 2, 'the Message-ID and its ticket: the conversation, which could only rank lower, is not read');
  // a Message-ID that names nothing leaves the conversation to be read
  const unknown = await resolveThread({ subject: 'Re: Printer', conversationId: 'AAQkAGConv-printer', inReplyTo: '<never-seen@contoso.example>' }, channel, counted().lookups);
  assert.equal(unknown.choice.ticketId, 'T-res-5');
});
