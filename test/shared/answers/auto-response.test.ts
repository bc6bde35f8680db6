import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnswerSettings, DEFAULT_ANSWER_SETTINGS } from '../../../shared/answers/answer-settings';
import { composeAutoResponse, type AutoResponseInput } from '../../../shared/answers/auto-response';
import { threadHeaders } from '../../../shared/answers/compose-mail';
import { ownAddressSet } from '../../../shared/answers/recipient';
import { MAIL_CHANNEL_HEADER } from '../../../shared/mail/classify';
import { OutboundMail } from '../../../shared/outbound/mail-sender';
import { MAX_REFERENCED_IDS, outgoingMessageId } from '../../../shared/threading/message-ids';
import { DEFAULT_TOKEN_FORMAT, findTokens, formatToken, verifyToken } from '../../../shared/threading/ticket-token';

const key = Buffer.alloc(32, 3);
const channel = { id: 'ch-1', name: 'IT Service Desk', address: 'support@desk.example', replyTo: 'help@desk.example' };
const token = formatToken(DEFAULT_TOKEN_FORMAT, channel.id, 123, key);
const input: AutoResponseInput = {
  settings: DEFAULT_ANSWER_SETTINGS,
  channel,
  ticket: { id: 'T-abc', number: 123, title: 'Printer on floor 3', link: 'https://tickets.example/t/T-abc' },
  mail: { from: { address: 'jane@example.com', name: 'Jane Doe' }, subject: 'AW: Re: Printer on floor 3', messageId: 'cafe@mail.example.com', references: ['<root@mail.example.com>'] },
  ourAddresses: ownAddressSet([channel.address, channel.replyTo]),
  token,
  messageId: outgoingMessageId('outbox-1', 'desk.example'),
};

function sent(i: AutoResponseInput = input) {
  const r = composeAutoResponse(i);
  assert.ok(r.send, JSON.stringify(r));
  return r.mail;
}

test('the auto-response goes to the requester, from the channel’s mailbox, with the channel’s Reply-To', () => {
  const m = sent();
  assert.deepEqual(m.to, { name: 'Jane Doe', address: 'jane@example.com' });
  assert.deepEqual(m.from, { name: 'IT Service Desk', address: 'support@desk.example' });
  assert.equal(m.replyTo, 'help@desk.example');
  assert.ok(OutboundMail.safeParse(m).success);
});

test('the subject is the customer’s, prefixes gone, behind the signed token, which verifies for the channel', () => {
  const m = sent();
  assert.equal(m.subject, `${token} Re: Printer on floor 3`);
  const [found] = findTokens(DEFAULT_TOKEN_FORMAT, m.subject);
  assert.ok(found && verifyToken(found, channel.id, [key]));
});

test('an empty customer subject falls back to the ticket title', () => {
  assert.equal(sent({ ...input, mail: { ...input.mail, subject: '' } }).subject, `${token} Re: Printer on floor 3`);
});

test('it threads to the customer’s mail: In-Reply-To their Message-ID, References theirs plus it', () => {
  const m = sent();
  assert.equal(m.inReplyTo, '<cafe@mail.example.com>');
  assert.deepEqual(m.references, ['<root@mail.example.com>', '<cafe@mail.example.com>']);
  assert.equal(m.messageId, `<${input.messageId}>`);
});

test('it says it is automatic and ours: Auto-Submitted auto-replied, X-Auto-Response-Suppress All, our stamp', () => {
  assert.deepEqual(sent().headers, { [MAIL_CHANNEL_HEADER]: 'ch-1', 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' });
});

test('plain text and HTML carry the ticket number, title, link and the requester’s name; HTML escapes the customer’s text', () => {
  const hostile = { ...input, mail: { ...input.mail, from: { address: 'jane@example.com', name: '<img src=x onerror=alert(1)>' } }, ticket: { ...input.ticket, title: 'A & B <b>' } };
  const m = sent(hostile);
  assert.match(m.text, /ticket T-000123: "A & B <b>"/);
  assert.match(m.text, /https:\/\/tickets\.example\/t\/T-abc/);
  assert.match(m.text, /^Hello <img src=x onerror=alert\(1\)>,/);
  assert.match(m.html!, /<strong>T-000123<\/strong>: &ldquo;A &amp; B &lt;b&gt;&rdquo;/);
  assert.match(m.html!, /Hello &lt;img src=x onerror=alert\(1\)&gt;,/);
  assert.ok(!m.html!.includes('<img'));
});

test('a requester without a display name is greeted by address', () => {
  assert.match(sent({ ...input, mail: { ...input.mail, from: { address: 'jane@example.com', name: '' } } }).text, /^Hello jane@example\.com,/);
});

test('German channels answer in German', () => {
  const m = sent({ ...input, settings: AnswerSettings.parse({ language: 'de' }) });
  assert.match(m.text, /^Guten Tag Jane Doe,/);
  assert.match(m.text, /Ticket T-000123 angelegt: „Printer on floor 3“/);
});

test('an admin template is used, and a line break in the customer’s subject cannot add a header', () => {
  const settings = AnswerSettings.parse({ autoResponse: { template: { subject: '{{ticketTitle}}: {{customerSubject}}', text: 'Number {{ticketNumber}}' } } });
  const m = sent({ ...input, settings, ticket: { ...input.ticket, title: 'A\nCc: all@example.com' }, mail: { ...input.mail, subject: 'Hi\r\nBcc: all@example.com' } });
  // a decoded subject's line breaks are no part of it (mime-headers cleanSubject); a value's become blanks
  assert.equal(m.subject, `${token} A Cc: all@example.com: HiBcc: all@example.com`);
  assert.equal(m.text, 'Number T-000123');
  assert.equal(m.html, undefined);
});

test('a 100 KB subject makes a bounded subject that still starts with the token', () => {
  const m = sent({ ...input, mail: { ...input.mail, subject: 'x'.repeat(100_000) } });
  assert.ok(m.subject.startsWith(token));
  assert.ok(m.subject.length <= 998);
});

test('no Message-ID on the customer’s mail: no In-Reply-To, References kept', () => {
  const m = sent({ ...input, mail: { ...input.mail, messageId: undefined } });
  assert.equal(m.inReplyTo, undefined);
  assert.deepEqual(m.references, ['<root@mail.example.com>']);
});

test('References are bounded: the root and the most recent, MAX_REFERENCED_IDS in all; malformed ids dropped', () => {
  const refs = Array.from({ length: 60 }, (_, i) => `<r${i}@example.com>`);
  const h = threadHeaders('<last@example.com>', [...refs, 'not an id', '<a b@example.com>', `<${'x'.repeat(400)}@example.com>`, '<r5@example.com>']);
  assert.equal(h.references!.length, MAX_REFERENCED_IDS);
  assert.equal(h.references![0], '<r0@example.com>');
  assert.equal(h.references!.at(-1), '<last@example.com>');
  assert.equal(h.references!.at(-2), '<r59@example.com>');
  assert.ok(h.references!.every((id) => /^<[^<>\s]+>$/.test(id)));
  assert.equal(threadHeaders('bare@example.com').inReplyTo, '<bare@example.com>');
});

test('suppressed, with the reason: auto-responses off, no sender, our own address, a no-reply sender, a channel address that is none, a header-breaking channel id, a ticket link that is no web address', () => {
  const cases: [AutoResponseInput, string][] = [
    [{ ...input, settings: AnswerSettings.parse({ autoResponse: { enabled: false } }) }, 'AUTO_RESPONSE_DISABLED'],
    [{ ...input, mail: { ...input.mail, from: undefined } }, 'SENDER_INVALID'],
    [{ ...input, mail: { ...input.mail, from: { address: 'HELP@desk.example', name: '' } } }, 'OWN_ADDRESS'],
    [{ ...input, mail: { ...input.mail, from: { address: 'noreply@shop.example', name: '' } } }, 'NO_REPLY_ADDRESS'],
    [{ ...input, channel: { ...channel, address: 'SupportMailbox' } }, 'CHANNEL_ADDRESS_INVALID'],
    [{ ...input, channel: { ...channel, id: 'ch\r\nBcc: x@example.com' } }, 'COMPOSE_FAILED'],
    [{ ...input, ticket: { ...input.ticket, link: 'javascript:alert(1)' } }, 'COMPOSE_FAILED'],
  ];
  for (const [i, code] of cases) {
    const r = composeAutoResponse(i);
    assert.equal(r.send ? 'sent' : r.suppression.code, code);
  }
});

test('an invalid channel reply-to is left out rather than sent', () => {
  assert.equal(sent({ ...input, channel: { ...channel, replyTo: 'not-an-address' } }).replyTo, undefined);
});
