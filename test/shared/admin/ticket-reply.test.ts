import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authorOf, withNumberAndParticipants } from '../../../shared/admin/ticket-reply';
import { Ticket } from '../../../shared/tickets/ticket';

const ticket = Ticket.parse({
  id: 'T-1',
  templateId: 'it-support',
  channelId: 'ch-1',
  title: 'Printer',
  description: { text: 'broken' },
  requester: { email: 'Jane@example.com' },
  participants: ['bob@example.com'],
  createdAt: '2026-12-01T00:00:00.000Z',
});
const now = new Date('2026-12-06T12:00:00.000Z');

test('the ticket gets its number and the new cc’d people as participants (their answers attach)', () => {
  const next = withNumberAndParticipants(ticket, 42, ['carol@example.com', 'bob+x@example.com', 'jane@example.com', 'carol@example.com'], now)!;
  assert.equal(next.number, 42);
  assert.deepEqual(next.participants, ['bob@example.com', 'carol@example.com']);
  assert.equal(next.updatedAt, now.toISOString());
});

test('nothing new (number stored, everyone known): no write', () => {
  assert.equal(withNumberAndParticipants({ ...ticket, number: 42 }, 42, ['bob@example.com'], now), undefined);
});

test('a stored number is never replaced', () => {
  assert.equal(withNumberAndParticipants({ ...ticket, number: 7 }, 42, ['dave@example.com'], now)?.number, 7);
});

test('the author: as the request names them, else the signed-in admin, else "admin" writing as the channel', () => {
  assert.deepEqual(authorOf({ author: { email: 'agent@desk.example', name: 'Ann Agent' } }, { principalName: 'x@desk.example' }, 'support@desk.example'), { email: 'agent@desk.example', name: 'Ann Agent' });
  assert.deepEqual(authorOf({}, { principalName: 'ann@desk.example' }, 'support@desk.example'), { email: 'ann@desk.example', name: 'ann@desk.example' });
  assert.deepEqual(authorOf({}, { principalName: 'Ann Agent' }, 'support@desk.example'), { email: 'support@desk.example', name: 'Ann Agent' });
  assert.deepEqual(authorOf({}, {}, 'support@desk.example'), { email: 'support@desk.example', name: 'admin' });
});
