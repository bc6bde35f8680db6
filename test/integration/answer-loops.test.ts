import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ParsedMail } from 'mailparser';
import {
  addressesOf,
  capturedMails,
  channelTickets,
  graphChannelInput,
  header,
  imapChannelInput,
  ledgerEntry,
  ledgerOf,
  mime,
  newMessageId,
  publish,
  startReplyWorld,
  sync,
  type ReplyWorld,
} from '../support/reply-world';

/**
 * Issue 7 end to end, loop safety: automatic answers must not ping-pong. Two of our own
 * channels (Graph simulator: sendMail delivers into the other's inbox), and a third-party
 * autoresponder that does NOT mark its mail as automatic (no Auto-Submitted, no
 * X-Autoreply, a person's subject) answering our acknowledgements — once threaded, once
 * as fresh mail. Each test drives the exchange round by round (sync, then the other side
 * answers what it got) until a round sends nothing, and counts the mails.
 */
let world: ReplyWorld;

const DESK_A = 'desk-a@contoso.example';
const DESK_B = 'desk-b@contoso.example';
const DESK_THREADED = { user: 'desk-bot-threaded@example.com', password: 'desk-bot-threaded-secret' };
const DESK_FRESH = { user: 'desk-bot-fresh@example.com', password: 'desk-bot-fresh-secret' };
/** More rounds than any limit allows: a loop that is not stopped runs into this and fails the count. */
const MAX_ROUNDS = 12;

before(async () => {
  world = await startReplyWorld({ desks: [DESK_THREADED, DESK_FRESH], graphMailboxes: [DESK_A, DESK_B] });
});

after(async () => {
  await world?.stop();
});

test('two of our channels: a mail from channel A’s mailbox to channel B is not acknowledged (every channel’s address is ours): 1 mail exchanged, 0 automatic answers', async () => {
  const sim = world.sim!;
  const anyone = { domains: { allowed: [] } };
  const channelA = await publish(world, graphChannelInput(world, DESK_A, anyone));
  const channelB = await publish(world, graphChannelInput(world, DESK_B, anyone));
  const first = newMessageId('a-to-b');
  await sim.deliver(DESK_B, 'Inbox', mime({ from: `Desk A <${DESK_A}>`, to: DESK_B, subject: 'Forwarded: printer order', messageId: first, text: 'Please order toner for floor 2.' }));

  const sentBefore = sim.sentMail.length;
  let rounds = 0;
  for (; rounds < MAX_ROUNDS; rounds++) {
    const sent = sim.sentMail.length;
    await sync(world, channelB);
    await sync(world, channelA);
    if (sim.sentMail.length === sent) break;
  }
  const exchanged = sim.sentMail.slice(sentBefore);
  assert.equal(exchanged.length, 0, `no automatic answer went between our channels: ${exchanged.map((m) => `${m.mailbox} → ${m.deliveredTo.join(',')}`).join('; ')}`);
  const record = await ledgerEntry(world, channelB, first);
  assert.deepEqual(record.answers?.map((a) => a.suppression?.code), ['OWN_ADDRESS'], JSON.stringify(record));
  assert.equal((await ledgerOf(world, channelA)).length, 0, 'channel A received nothing');
  assert.equal(rounds, 0, 'the first round already sent nothing');
});

/** A third party's autoresponder: answers every mail it gets, and says nowhere that it is one. */
function botAnswer(to: string, bot: string, ack: ParsedMail, threaded: boolean): { raw: Buffer; messageId: string } {
  const messageId = newMessageId('bot');
  const text = 'Thank you for your email. Our team will look into it and contact you shortly.\n\nACME Facilities';
  const raw = threaded
    ? mime({ from: `ACME Facilities <${bot}>`, to, subject: `Re: ${ack.subject ?? ''}`, messageId, inReplyTo: ack.messageId!, references: [...[ack.references ?? []].flat(), ack.messageId!], text })
    : mime({ from: `ACME Facilities <${bot}>`, to, subject: 'Your message to ACME Facilities', messageId, text });
  return { raw, messageId };
}

/** Drives desk ↔ bot until a round sends nothing; returns our acknowledgements to the bot, in order. */
async function exchange(desk: { user: string }, channelId: string, bot: string, threaded: boolean): Promise<ParsedMail[]> {
  const answered = new Set<string>();
  const acks: ParsedMail[] = [];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    await sync(world, channelId);
    const fresh = (await capturedMails(world)).filter((m) => addressesOf(m.to).includes(bot) && m.messageId && !answered.has(m.messageId));
    if (fresh.length === 0) break;
    for (const ack of fresh) {
      answered.add(ack.messageId!);
      acks.push(ack);
      await world.dovecot.append(desk.user, 'INBOX', botAnswer(desk.user, bot, ack, threaded).raw);
    }
  }
  return acks;
}

test('an unmarked autoresponder answering threaded (Re:, our token, In-Reply-To): its answer is a note, and with autoResponse.onNote the loop rule (LOOP_PATTERN) stops it: 1 acknowledgement, 1 bot answer', async () => {
  const bot = 'facilities-threaded@example.org';
  const channelId = await publish(world, imapChannelInput(world, DESK_THREADED, { answers: { autoResponse: { onNote: true } } }));
  const first = newMessageId('bot-first');
  await world.dovecot.append(DESK_THREADED.user, 'INBOX', mime({ from: `ACME Facilities <${bot}>`, to: DESK_THREADED.user, subject: 'Broken window in room 12', messageId: first, text: 'The window in room 12 does not close.\n\nACME Facilities' }));

  const acks = await exchange(DESK_THREADED, channelId, bot, true);
  assert.equal(acks.length, 1, `one acknowledgement: ${acks.map((a) => a.subject).join(' | ')}`);
  assert.equal(header(acks[0]!, 'auto-submitted'), 'auto-replied');
  const records = await ledgerOf(world, channelId);
  assert.deepEqual(records.map((r) => r.outcome).sort(), ['created', 'noted']);
  const noted = records.find((r) => r.outcome === 'noted')!;
  assert.deepEqual(noted.answers?.map((a) => a.suppression?.code), ['LOOP_PATTERN'], JSON.stringify(noted.answers));
  assert.equal((await channelTickets(world, channelId)).length, 1);
});

test('an unmarked autoresponder answering as fresh mail (new subject, no references, no quote): each answer is a new ticket, and the per-sender limit stops the acknowledgements at perSenderPerHour (5): 5 acknowledgements, 5 bot answers, then RATE_LIMITED', async () => {
  const bot = 'facilities-fresh@example.org';
  const channelId = await publish(world, imapChannelInput(world, DESK_FRESH));
  const first = newMessageId('bot-first');
  await world.dovecot.append(DESK_FRESH.user, 'INBOX', mime({ from: `ACME Facilities <${bot}>`, to: DESK_FRESH.user, subject: 'Broken window in room 14', messageId: first, text: 'The window in room 14 does not close.\n\nACME Facilities' }));

  const acks = await exchange(DESK_FRESH, channelId, bot, false);
  assert.equal(acks.length, 5, 'perSenderPerHour acknowledgements, no more');
  const records = await ledgerOf(world, channelId);
  assert.equal(records.length, 6, 'the first mail and 5 bot answers');
  const codes = records.map((r) => r.answers?.[0]?.suppression?.code ?? 'sent');
  assert.deepEqual(codes.filter((c) => c === 'sent').length, 5);
  assert.deepEqual(codes.filter((c) => c !== 'sent'), ['RATE_LIMITED'], JSON.stringify(codes));
  assert.equal((await channelTickets(world, channelId)).length, 6, 'every bot answer is a ticket (a person could have written it)');
});
