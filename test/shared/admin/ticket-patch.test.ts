import { test } from 'node:test';
import assert from 'node:assert/strict';
import { notificationOutboxId, patchedTicket, TicketPatch } from '../../../shared/admin/ticket-patch';
import { Ticket } from '../../../shared/tickets/ticket';

const ticket = Ticket.parse({
  id: 'T-1',
  templateId: 'it-support',
  channelId: 'ch-1',
  title: 'Printer',
  description: { text: 'broken' },
  requester: { email: 'jane@example.com' },
  status: 'open',
  createdAt: '2026-12-01T00:00:00.000Z',
});
const now = new Date('2026-12-06T12:00:00.000Z');

test('the patch takes the status and nothing else: unknown fields and null are refused', () => {
  assert.deepEqual(TicketPatch.parse({ status: 'resolved' }), { status: 'resolved' });
  assert.deepEqual(TicketPatch.parse({}), {});
  assert.equal(TicketPatch.safeParse({ status: 'resolved', title: 'x' }).success, false);
  assert.equal(TicketPatch.safeParse({ status: null }).success, false);
  assert.equal(TicketPatch.safeParse({ status: 'done' }).success, false);
});

test('resolved and closed set closedAt (and updatedAt) to now', () => {
  for (const status of ['resolved', 'closed'] as const) {
    const next = patchedTicket(ticket, { status }, now)!;
    assert.equal(next.status, status);
    assert.equal(next.closedAt, now.toISOString());
    assert.equal(next.updatedAt, now.toISOString());
  }
});

test('resolved → closed is a new closing instant', () => {
  const resolved = { ...ticket, status: 'resolved' as const, closedAt: '2026-12-05T00:00:00.000Z' };
  assert.equal(patchedTicket(resolved, { status: 'closed' }, now)?.closedAt, now.toISOString());
});

test('back to new, open or pending clears closedAt', () => {
  const closed = { ...ticket, status: 'closed' as const, closedAt: '2026-12-05T00:00:00.000Z' };
  for (const status of ['new', 'open', 'pending'] as const) {
    const next = patchedTicket(closed, { status }, now)!;
    assert.equal(next.status, status);
    assert.equal('closedAt' in next, false);
  }
});

test('the same status again, or no status: nothing to change', () => {
  assert.equal(patchedTicket(ticket, { status: 'open' }, now), undefined);
  assert.equal(patchedTicket(ticket, {}, now), undefined);
});

test('the notification id: the same change gives the same id; another status, closing or ticket another; a valid outbox id', () => {
  const id = notificationOutboxId('T-1', 'resolved', '2026-12-06T12:00:00.000Z');
  assert.equal(notificationOutboxId('T-1', 'resolved', '2026-12-06T12:00:00.000Z'), id);
  assert.notEqual(notificationOutboxId('T-1', 'closed', '2026-12-06T12:00:00.000Z'), id);
  assert.notEqual(notificationOutboxId('T-1', 'resolved', '2026-12-07T12:00:00.000Z'), id);
  assert.notEqual(notificationOutboxId('T-2', 'resolved', '2026-12-06T12:00:00.000Z'), id);
  assert.match(id, /^notify-[0-9a-f]{32}:notification$/);
});
