import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ticketThread } from '../../../shared/answers/ticket-thread';

test('a ticket without replies: our mail answers the mail that made it', () => {
  assert.deepEqual(ticketThread({ source: { messageId: '<root@c.example>' }, notes: [] }), { lastMessageId: '<root@c.example>', references: [] });
});

test('the newest inbound note is the parent; the ticket’s mail, older replies and our own sent mail are the references, oldest first', () => {
  const thread = ticketThread(
    {
      source: { messageId: '<root@c.example>' },
      notes: [
        { direction: 'outbound', outboxId: 'reply-1:agentReply' },
        { direction: 'inbound', source: { messageId: '<answer-1@c.example>' } },
        { direction: 'outbound', outboxId: 'reply-2:agentReply' },
        { direction: 'inbound', source: { messageId: '<answer-2@c.example>' } },
        { direction: 'outbound' },
      ],
    },
    (outboxId) => `<sent-${outboxId.slice(6, 7)}@desk.example>`,
  );
  assert.deepEqual(thread, { lastMessageId: '<answer-2@c.example>', references: ['<root@c.example>', '<sent-1@desk.example>', '<answer-1@c.example>', '<sent-2@desk.example>'] });
});

test('an inbound note without a Message-ID does not take the parent’s place', () => {
  assert.equal(ticketThread({ source: { messageId: '<root@c.example>' }, notes: [{ direction: 'inbound' }] }).lastMessageId, '<root@c.example>');
});

test('a ticket made without mail (no Message-ID anywhere): no parent, no references', () => {
  assert.deepEqual(ticketThread({ notes: [{ direction: 'outbound', outboxId: 'x' }] }), { references: [] });
});
