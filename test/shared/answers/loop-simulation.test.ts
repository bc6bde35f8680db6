import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answersInLastHour, nextCount, type AnswerCounter } from '../../../shared/answers/answer-counter';
import { shouldAutoRespond, type Suppression } from '../../../shared/answers/answer-policy';
import { DEFAULT_ANSWER_SETTINGS } from '../../../shared/answers/answer-settings';
import { composeAutoResponse } from '../../../shared/answers/auto-response';
import { ownAddressSet } from '../../../shared/answers/recipient';
import { classifyMail } from '../../../shared/mail/classify';
import { parseMail } from '../../../shared/mail/parse';
import { composeMime } from '../../../shared/outbound/compose';
import { OutboundMail } from '../../../shared/outbound/mail-sender';
import { outgoingMessageId } from '../../../shared/threading/message-ids';
import { DEFAULT_TOKEN_FORMAT, formatToken } from '../../../shared/threading/ticket-token';

/**
 * Two of our channels answering each other, as a pure simulation on real parts: each
 * answer is composed by composeAutoResponse, turned into MIME by the outbox's own
 * MailComposer path (outbound/compose.ts), parsed by parseMail and classified by
 * classifyMail at the other channel, whose policy decides whether it answers — until
 * one side is quiet. Worst case assumed throughout: every inbound mail makes a new
 * ticket (no threading would make it a note), so every one is a candidate for an answer.
 *
 * Relays that drop headers are modelled on the raw MIME (as a relay would do it).
 */

interface Channel {
  id: string;
  name: string;
  address: string;
  key: Buffer;
  counters: Map<string, AnswerCounter>;
  tickets: number;
  sent: number;
}

const channel = (id: string, address: string): Channel => ({ id, name: `Desk ${id}`, address, key: Buffer.alloc(32, id.length + id.charCodeAt(3)), counters: new Map(), tickets: 0, sent: 0 });

/** Drops header fields (with their folded continuation lines) from raw MIME's header block. */
function dropHeaders(raw: Buffer, names: readonly string[]): Buffer {
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const lines = text.slice(0, end).split('\r\n');
  const drop = new Set(names.map((n) => n.toLowerCase()));
  const kept: string[] = [];
  let dropping = false;
  for (const line of lines) {
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (!dropping) kept.push(line);
      continue;
    }
    dropping = drop.has(line.slice(0, line.indexOf(':')).trim().toLowerCase());
    if (!dropping) kept.push(line);
  }
  return Buffer.from(kept.join('\r\n') + text.slice(end), 'latin1');
}

interface Scenario {
  /** Headers a relay between the channels removes. */
  relayDrops: readonly string[];
  /** Whether each channel knows the other's address as one of ours (one deployment). */
  sharedAddresses: boolean;
}

interface Outcome {
  /** Mails that crossed between the channels: the first mail and every automatic answer. */
  mailsExchanged: number;
  autoResponses: number;
  stoppedBy: Suppression;
  /** The classifications of the mails each channel received, in order. */
  kinds: string[];
}

async function simulate(scenario: Scenario): Promise<Outcome> {
  const a = channel('ch-a', 'support@a.example');
  const b = channel('ch-b', 'help@b.example');
  const all = [a, b];
  let now = Date.parse('2026-12-06T10:00:00Z');
  // the first mail: someone at B's address writes to A by hand (or forges B's address)
  let raw = await composeMime(b.id, OutboundMail.parse({ from: b.address, to: a.address, subject: 'Printer on floor 3', text: 'It is jammed again.', messageId: '<first@b.example>', headers: { 'Auto-Submitted': 'no' } }));
  let inbound = dropHeaders(raw.raw, ['X-MailChannel-Id', 'X-Auto-Response-Suppress']);
  let receiver = a;
  let mailsExchanged = 1;
  let autoResponses = 0;
  const kinds: string[] = [];
  for (let hop = 0; hop < 100; hop++) {
    now += 10_000;
    const mail = await parseMail(inbound);
    const own = scenario.sharedAddresses ? all.map((c) => c.address) : [receiver.address];
    const classification = classifyMail(mail, { ownAddresses: [receiver.address], channelId: receiver.id });
    kinds.push(`${receiver.id}:${classification.kind}`);
    const sender = mail.from?.address ?? '';
    const recent = answersInLastHour(receiver.counters.get(sender), new Date(now));
    const verdict = shouldAutoRespond({
      trigger: 'ticketCreated',
      settings: DEFAULT_ANSWER_SETTINGS.autoResponse,
      mail,
      classification,
      imported: false,
      ownAddresses: ownAddressSet(own),
      recent,
    });
    receiver.tickets++;
    if (!verdict.answer) return { mailsExchanged, autoResponses, stoppedBy: verdict.suppression, kinds };
    const messageId = outgoingMessageId(`${receiver.id}-${receiver.sent++}`, receiver.address.split('@')[1]!);
    const composed = composeAutoResponse({
      settings: DEFAULT_ANSWER_SETTINGS,
      channel: { id: receiver.id, name: receiver.name, address: receiver.address },
      ticket: { id: `${receiver.id}-T${receiver.tickets}`, number: receiver.tickets, title: mail.subject, link: `https://tickets.example/${receiver.id}/${receiver.tickets}` },
      mail,
      ourAddresses: ownAddressSet(own),
      token: formatToken(DEFAULT_TOKEN_FORMAT, receiver.id, receiver.tickets, receiver.key),
      messageId,
    });
    assert.ok(composed.send, JSON.stringify(composed));
    receiver.counters.set(sender, nextCount(receiver.counters.get(sender), { channelId: receiver.id, sender, at: new Date(now), messageId }));
    raw = await composeMime(receiver.id, OutboundMail.parse(composed.mail));
    inbound = dropHeaders(raw.raw, scenario.relayDrops);
    autoResponses++;
    mailsExchanged++;
    receiver = receiver === a ? b : a;
  }
  throw new Error('the channels were still answering each other after 100 mails');
}

test('as sent: our Auto-Submitted stamp (and X-MailChannel-Id) keeps the second channel from answering at all — 2 mails, 1 auto-response', async () => {
  const r = await simulate({ relayDrops: [], sharedAddresses: false });
  assert.deepEqual({ mails: r.mailsExchanged, answers: r.autoResponses, code: r.stoppedBy.code }, { mails: 2, answers: 1, code: 'AUTO_SUBMITTED' });
  assert.deepEqual(r.kinds, ['ch-a:human', 'ch-b:loop']);
});

test('a relay drops our X-MailChannel-Id stamp: Auto-Submitted alone stops it — 2 mails, 1 auto-response', async () => {
  const r = await simulate({ relayDrops: ['X-MailChannel-Id'], sharedAddresses: false });
  assert.deepEqual({ mails: r.mailsExchanged, answers: r.autoResponses, code: r.stoppedBy.code }, { mails: 2, answers: 1, code: 'AUTO_SUBMITTED' });
  assert.deepEqual(r.kinds, ['ch-a:human', 'ch-b:auto-reply']);
});

test('a relay drops every automatic header but keeps threading: the answer to our answer stops it — 3 mails, 2 auto-responses', async () => {
  const r = await simulate({ relayDrops: ['X-MailChannel-Id', 'Auto-Submitted', 'X-Auto-Response-Suppress'], sharedAddresses: false });
  assert.deepEqual({ mails: r.mailsExchanged, answers: r.autoResponses, code: r.stoppedBy.code }, { mails: 3, answers: 2, code: 'LOOP_PATTERN' });
});

test('a relay drops every automatic and threading header: the per-sender limit stops it — 11 mails, 5 auto-responses per side', async () => {
  const r = await simulate({ relayDrops: ['X-MailChannel-Id', 'Auto-Submitted', 'X-Auto-Response-Suppress', 'In-Reply-To', 'References'], sharedAddresses: false });
  const limit = DEFAULT_ANSWER_SETTINGS.autoResponse.perSenderPerHour;
  assert.deepEqual({ mails: r.mailsExchanged, answers: r.autoResponses, code: r.stoppedBy.code }, { mails: 1 + 2 * limit, answers: 2 * limit, code: 'RATE_LIMITED' });
});

test('one deployment (each channel knows the other’s address): not even the first mail is answered, whatever relays drop — 1 mail, 0 auto-responses', async () => {
  const r = await simulate({ relayDrops: ['X-MailChannel-Id', 'Auto-Submitted', 'X-Auto-Response-Suppress', 'In-Reply-To', 'References'], sharedAddresses: true });
  assert.deepEqual({ mails: r.mailsExchanged, answers: r.autoResponses, code: r.stoppedBy.code }, { mails: 1, answers: 0, code: 'OWN_ADDRESS' });
});
