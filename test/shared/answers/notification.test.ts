import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnswerSettings, DEFAULT_ANSWER_SETTINGS } from '../../../shared/answers/answer-settings';
import { composeStatusNotification, type StatusNotificationInput } from '../../../shared/answers/notification';
import { ownAddressSet } from '../../../shared/answers/recipient';
import { MAIL_CHANNEL_HEADER } from '../../../shared/mail/classify';
import { OutboundMail } from '../../../shared/outbound/mail-sender';
import { DEFAULT_TOKEN_FORMAT, formatToken } from '../../../shared/threading/ticket-token';

const channel = { id: 'ch-1', name: 'IT Service Desk', address: 'support@desk.example', replyTo: 'help@desk.example' };
const token = formatToken(DEFAULT_TOKEN_FORMAT, channel.id, 123, Buffer.alloc(32, 3));
const input: StatusNotificationInput = {
  settings: DEFAULT_ANSWER_SETTINGS,
  channel,
  ticket: { id: 'T-abc', number: 123, title: 'Printer on floor 3', link: 'https://tickets.example/t/T-abc', status: 'resolved' },
  requester: { address: 'jane@example.com', name: 'Jane Doe' },
  thread: { lastMessageId: '<last@mail.example.com>', references: ['<root@mail.example.com>', '<mc.1@desk.example>'] },
  ourAddresses: ownAddressSet([channel.address, channel.replyTo]),
  token,
  messageId: 'mc.n1@desk.example',
};

function sent(i: StatusNotificationInput = input) {
  const r = composeStatusNotification(i);
  assert.ok(r.send, JSON.stringify(r));
  return r.mail;
}

test('resolved: a notification to the requester with the token, threaded to the ticket’s last message', () => {
  const m = sent();
  assert.deepEqual(m.to, { name: 'Jane Doe', address: 'jane@example.com' });
  assert.deepEqual(m.from, { name: 'IT Service Desk', address: 'support@desk.example' });
  assert.equal(m.replyTo, 'help@desk.example');
  assert.equal(m.subject, `${token} Ticket resolved: Printer on floor 3`);
  assert.equal(m.inReplyTo, '<last@mail.example.com>');
  assert.deepEqual(m.references, ['<root@mail.example.com>', '<mc.1@desk.example>', '<last@mail.example.com>']);
  assert.equal(m.messageId, '<mc.n1@desk.example>');
  assert.match(m.text, /your ticket T-000123 "Printer on floor 3" has been resolved\./);
  assert.match(m.html!, /has been resolved\./);
  assert.ok(OutboundMail.safeParse(m).success);
});

test('it is marked as a system’s own mail: Auto-Submitted auto-generated, X-Auto-Response-Suppress All, our stamp', () => {
  assert.deepEqual(sent().headers, { [MAIL_CHANNEL_HEADER]: 'ch-1', 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' });
});

test('closed, in German', () => {
  const m = sent({ ...input, settings: AnswerSettings.parse({ language: 'de' }), ticket: { ...input.ticket, status: 'closed' } });
  assert.equal(m.subject, `${token} Ticket geschlossen: Printer on floor 3`);
  assert.match(m.text, /wurde geschlossen\./);
});

test('an admin template with {{ticketStatus}} is used', () => {
  const settings = AnswerSettings.parse({ statusNotification: { template: { subject: '{{ticketNumber}} is {{ticketStatus}}', text: '{{ticketTitle}}: {{ticketStatus}}' } } });
  const m = sent({ ...input, settings });
  assert.equal(m.subject, `${token} T-000123 is resolved`);
  assert.equal(m.text, 'Printer on floor 3: resolved');
});

test('without a last message it is not threaded, and still sent', () => {
  const m = sent({ ...input, thread: {} });
  assert.equal(m.inReplyTo, undefined);
  assert.equal(m.references, undefined);
});

test('suppressed, with the reason: notifications off, a status not notified, a requester we must not write to', () => {
  const cases: [StatusNotificationInput, string][] = [
    [{ ...input, settings: AnswerSettings.parse({ statusNotification: { enabled: false } }) }, 'NOTIFICATION_DISABLED'],
    [{ ...input, ticket: { ...input.ticket, status: 'open' } }, 'STATUS_NOT_NOTIFIED'],
    [{ ...input, settings: AnswerSettings.parse({ statusNotification: { statuses: ['closed'] } }) }, 'STATUS_NOT_NOTIFIED'],
    [{ ...input, requester: { address: 'support@desk.example', name: '' } }, 'OWN_ADDRESS'],
    [{ ...input, requester: { address: 'donotreply@shop.example', name: '' } }, 'NO_REPLY_ADDRESS'],
    [{ ...input, requester: { address: '', name: 'Jane' } }, 'SENDER_INVALID'],
  ];
  for (const [i, code] of cases) {
    const r = composeStatusNotification(i);
    assert.equal(r.send ? 'sent' : r.suppression.code, code);
  }
});
