import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closedTicketOutcome } from '../../../shared/threading/closed-ticket';
import { ClosedTicketPolicy } from '../../../shared/threading/threading-settings';

const now = new Date('2026-12-20T12:00:00.000Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString();
const reopen = ClosedTicketPolicy.parse({});

// The "Closed tickets" bullet, case by case.
const table: [name: string, status: 'open' | 'pending' | 'resolved' | 'closed', closedAt: string | undefined, policy: ClosedTicketPolicy, action: string][] = [
  ['an open ticket takes the note', 'open', undefined, reopen, 'addNote'],
  ['a pending ticket takes the note', 'pending', undefined, reopen, 'addNote'],
  ['closed 3 days ago, default policy (reopen within 14 days): reopened', 'closed', daysAgo(3), reopen, 'reopen'],
  ['resolved exactly 14 days ago: still reopened', 'resolved', daysAgo(14), reopen, 'reopen'],
  ['closed 15 days ago: a new ticket linking the old one', 'closed', daysAgo(15), reopen, 'newTicket'],
  ['closed at an unknown time: a new linked ticket, not a reopen on a guess', 'closed', undefined, reopen, 'newTicket'],
  ['reopen window set to 30 days, closed 20 days ago: reopened', 'closed', daysAgo(20), ClosedTicketPolicy.parse({ reopenDays: 30 }), 'reopen'],
  ['policy newTicket: a new linked ticket even the same day', 'resolved', daysAgo(0), ClosedTicketPolicy.parse({ mode: 'newTicket' }), 'newTicket'],
  ['policy reject: fail folder', 'closed', daysAgo(1), ClosedTicketPolicy.parse({ mode: 'reject' }), 'reject'],
];

for (const [name, status, closedAt, policy, action] of table) {
  test(`closed ticket: ${name}`, () => {
    const out = closedTicketOutcome({ id: 'T-9', status, closedAt }, policy, now);
    assert.equal(out.action, action);
    assert.ok(out.reason.includes('T-9'));
    if (out.action === 'newTicket') assert.equal(out.linkTo, 'T-9', 'the new ticket links the old one');
    if (out.action === 'newTicket' || out.action === 'reject') assert.equal(out.code, 'CLOSED_TICKET');
  });
}

test('the closed-ticket policy defaults to reopen within 14 days, and bounds its window', () => {
  assert.deepEqual(reopen, { mode: 'reopen', reopenDays: 14 });
  assert.throws(() => ClosedTicketPolicy.parse({ reopenDays: -1 }));
});
