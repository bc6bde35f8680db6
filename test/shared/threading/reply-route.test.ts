import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routeReply, type ReplyPolicy } from '../../../shared/threading/reply-route';
import { chooseTicket, type ResolvedTicket, type ThreadCandidate, type ThreadContext } from '../../../shared/threading/thread-context';
import { ThreadingSettings } from '../../../shared/threading/threading-settings';

const CH = 'ch-1';
const now = new Date('2026-12-20T12:00:00.000Z');
const open: ResolvedTicket = { id: 'T-1', channelId: CH, templateId: 'it', status: 'open', participants: ['ann@example.com'] };
const policy = (over: { untrustedReply?: 'newTicket' | 'reject'; closedMode?: 'reopen' | 'newTicket' | 'reject'; nonWhitelistedReply?: 'reject' | 'newTicket' } = {}): ReplyPolicy => ({
  threading: ThreadingSettings.parse({ untrustedReply: over.untrustedReply, closedReply: { mode: over.closedMode } }),
  whitelist: ['it'],
  nonWhitelistedReply: over.nonWhitelistedReply ?? 'reject',
});
const unsigned: ThreadCandidate = { signal: 'token', ticketId: 'T-1', ticketChannelId: CH, signature: 'absent', evidence: '[#T-000001]' };
const conversation: ThreadCandidate = { signal: 'conversationId', ticketId: 'T-1', ticketChannelId: CH, evidence: 'AAQkAGConv-invoice' };
const context = (ticket: ResolvedTicket | undefined, candidates: ThreadCandidate[] = [unsigned]): ThreadContext => ({ candidates, choice: chooseTicket(candidates, CH), ticket });

const table: [name: string, ctx: ThreadContext, sender: string, p: ReplyPolicy, action: string, code: string, extra?: Record<string, unknown>][] = [
  ['no ticket found: a new ticket', context(undefined, []), 'x@example.org', policy(), 'newTicket', 'NO_THREAD'],
  ['the requester answers an open ticket: a note', context(open), 'ann@example.com', policy(), 'addNote', 'ATTACHED', { reopen: false, ticketId: 'T-1' }],
  ['a stranger with a guessed token, default setting: a new ticket with the reason', context(open), 'x@example.org', policy(), 'newTicket', 'UNTRUSTED_REPLY'],
  ['a stranger with a guessed token, setting reject: fail folder', context(open), 'x@example.org', policy({ untrustedReply: 'reject' }), 'reject', 'UNTRUSTED_REPLY'],
  ['a ticket whose template is not whitelisted, setting reject', context({ ...open, templateId: 'hr' }), 'ann@example.com', policy(), 'reject', 'TEMPLATE_NOT_WHITELISTED'],
  ['a ticket whose template is not whitelisted, setting newTicket', context({ ...open, templateId: 'hr' }), 'ann@example.com', policy({ nonWhitelistedReply: 'newTicket' }), 'newTicket', 'TEMPLATE_NOT_WHITELISTED'],
  ['a ticket closed yesterday: a note that reopens it', context({ ...open, status: 'closed', closedAt: '2026-12-19T12:00:00.000Z' }), 'ann@example.com', policy(), 'addNote', 'REOPENED', { reopen: true }],
  ['a ticket closed long ago: a new ticket linking it', context({ ...open, status: 'closed', closedAt: '2026-01-01T00:00:00.000Z' }), 'ann@example.com', policy(), 'newTicket', 'CLOSED_TICKET', { linkTo: 'T-1' }],
  ['a closed ticket, setting reject', context({ ...open, status: 'resolved', closedAt: '2026-12-19T12:00:00.000Z' }), 'ann@example.com', policy({ closedMode: 'reject' }), 'reject', 'CLOSED_TICKET'],
  ['a stranger whose mail only shares the Graph conversation (Exchange groups by subject), setting reject: a new ticket, never the fail folder', context(open, [conversation]), 'x@example.org', policy({ untrustedReply: 'reject' }), 'newTicket', 'UNTRUSTED_REPLY'],
  ['a stranger with a guessed token in the same conversation, setting reject: fail folder', context(open, [conversation, unsigned]), 'x@example.org', policy({ untrustedReply: 'reject' }), 'reject', 'UNTRUSTED_REPLY'],
  ['the requester in the same conversation: a note', context(open, [conversation]), 'ann@example.com', policy({ untrustedReply: 'reject' }), 'addNote', 'ATTACHED'],
  ['untrusted comes before the template: a stranger learns nothing of a closed non-whitelisted ticket', context({ ...open, templateId: 'hr', status: 'closed' }), 'x@example.org', policy(), 'newTicket', 'UNTRUSTED_REPLY'],
];

for (const [name, ctx, sender, p, action, code, extra] of table) {
  test(`route: ${name}`, () => {
    const route = routeReply(ctx, sender, p, now);
    assert.equal(route.action, action);
    assert.equal(route.code, code);
    for (const [k, v] of Object.entries(extra ?? {})) assert.deepEqual((route as Record<string, unknown>)[k], v, k);
    assert.ok(route.reason.length > 0);
  });
}

test("route: a token of another channel's ticket makes a new ticket, and the reason says why", () => {
  const other: ThreadCandidate = { signal: 'token', ticketId: 'T-7', ticketChannelId: 'ch-2', signature: 'valid', evidence: '[#T-000007-abcdefgh]' };
  const route = routeReply(context(undefined, [other]), 'ann@example.com', policy(), now);
  assert.equal(route.action, 'newTicket');
  assert.match(route.reason, /channel ch-2.*never attached/);
});
