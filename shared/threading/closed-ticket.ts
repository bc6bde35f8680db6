import { z } from 'zod';
import type { ResolvedTicket } from './thread-context';
import type { ClosedTicketPolicy } from './threading-settings';

/**
 * What a reply to a resolved or closed ticket does, per the channel's `closedReply`
 * setting. Pure: the clock is an argument. The outcome carries its reason for the ledger.
 */
export const ClosedTicketOutcome = z.discriminatedUnion('action', [
  /** The ticket is open: the reply is a note. */
  z.object({ action: z.literal('addNote'), reason: z.string() }),
  /** A note, and the ticket goes back to open. */
  z.object({ action: z.literal('reopen'), reason: z.string() }),
  /** A new ticket that links the closed one. */
  z.object({ action: z.literal('newTicket'), linkTo: z.string(), code: z.literal('CLOSED_TICKET'), reason: z.string() }),
  /** Fail folder. */
  z.object({ action: z.literal('reject'), code: z.literal('CLOSED_TICKET'), reason: z.string() }),
]);
export type ClosedTicketOutcome = z.infer<typeof ClosedTicketOutcome>;

const DAY_MS = 86_400_000;

export function closedTicketOutcome(ticket: Pick<ResolvedTicket, 'id' | 'status' | 'closedAt'>, policy: ClosedTicketPolicy, now: Date): ClosedTicketOutcome {
  if (ticket.status !== 'resolved' && ticket.status !== 'closed') return { action: 'addNote', reason: `ticket ${ticket.id} is ${ticket.status}` };
  const what = `ticket ${ticket.id} is ${ticket.status}`;
  if (policy.mode === 'reject') return { action: 'reject', code: 'CLOSED_TICKET', reason: `${what}; the channel rejects replies to closed tickets` };
  if (policy.mode === 'newTicket') return { action: 'newTicket', linkTo: ticket.id, code: 'CLOSED_TICKET', reason: `${what}; the channel makes a new ticket for replies to closed tickets` };
  const closedAt = ticket.closedAt ? Date.parse(ticket.closedAt) : Number.NaN;
  // without a closing time the window cannot be proven: an old ticket is not brought back on a guess
  if (Number.isNaN(closedAt)) return { action: 'newTicket', linkTo: ticket.id, code: 'CLOSED_TICKET', reason: `${what} since an unknown time; a new ticket links it` };
  const days = (now.getTime() - closedAt) / DAY_MS;
  if (days <= policy.reopenDays) return { action: 'reopen', reason: `${what} since ${ticket.closedAt}, within ${policy.reopenDays} days: reopened` };
  return { action: 'newTicket', linkTo: ticket.id, code: 'CLOSED_TICKET', reason: `${what} since ${ticket.closedAt}, more than ${policy.reopenDays} days ago; a new ticket links it` };
}
