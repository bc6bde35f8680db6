import { createHash } from 'node:crypto';
import { z } from 'zod';
import { TicketStatus, type Ticket } from '../tickets/ticket';

/**
 * `PATCH /api/tickets/{id}`: what may change (the status, for now), what a status change
 * does to the ticket, and the id of the notification it sends. Pure.
 */

/** A JSON merge patch of a ticket: only `status` (unknown fields are a 400, so a typo is never silently dropped). */
export const TicketPatch = z
  .object({
    status: TicketStatus.optional().describe('resolved/closed set closedAt (the reopen window of replies counts from it); new/open/pending clear it'),
  })
  .strict();
export type TicketPatch = z.infer<typeof TicketPatch>;

const CLOSING: ReadonlySet<string> = new Set(['resolved', 'closed']);
export const isClosing = (status: string) => CLOSING.has(status);

/**
 * The ticket after the patch, or undefined when it changes nothing (the same status again:
 * a repeated PATCH writes nothing and sends nothing).
 */
export function patchedTicket(ticket: Ticket, patch: TicketPatch, now: Date): Ticket | undefined {
  if (patch.status === undefined || patch.status === ticket.status) return undefined;
  const at = now.toISOString();
  const { closedAt: _old, ...rest } = ticket;
  return { ...rest, status: patch.status, ...(isClosing(patch.status) ? { closedAt: at } : {}), updatedAt: at };
}

/**
 * The outbox id of the notification of one status change: the same ticket, status and
 * closing instant give the same id, so a retried PATCH (or one repeated after a crash
 * between the ticket write and the queue message) finds the record and sends once; the
 * next closing of the ticket (a new closedAt) is a new notification.
 */
export function notificationOutboxId(ticketId: string, status: string, closedAt: string | undefined): string {
  const digest = createHash('sha256').update(`status-notification\n${ticketId}\n${status}\n${closedAt ?? ''}`).digest('hex').slice(0, 32);
  return `notify-${digest}:notification`;
}
