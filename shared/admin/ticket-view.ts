import { z } from 'zod';
import { OutboxState } from '../outbound/outbox';
import type { OutboxWithEtag } from '../store/outbox';
import { Note, TicketWithNotes } from '../tickets/ticket';

/**
 * A ticket as the admin API shows it: its notes with their direction, and for each outbound
 * note (an agent's reply) where its mail is — queued, sending, sent, failed — read from the
 * outbox record (one point read per outbound note).
 */
export const OutboxSummary = z.object({
  id: z.string(),
  state: OutboxState.or(z.literal('missing')).describe('missing = the request that made the note stopped before its mail was recorded; repeat it with its Idempotency-Key'),
  messageId: z.string().optional(),
  sentAt: z.iso.datetime().optional(),
  failure: z.object({ code: z.string(), reason: z.string() }).optional(),
});
export type OutboxSummary = z.infer<typeof OutboxSummary>;

export const TicketView = TicketWithNotes.extend({
  notes: z.array(Note.extend({ outbox: OutboxSummary.optional() })),
});
export type TicketView = z.infer<typeof TicketView>;

export async function withOutboxStates<T extends TicketWithNotes>(
  ticket: T,
  readOutbox: (channelId: string, id: string) => Promise<OutboxWithEtag | undefined>,
): Promise<Omit<T, 'notes'> & { notes: (T['notes'][number] & { outbox?: OutboxSummary })[] }> {
  const channelId = ticket.channelId;
  const notes = await Promise.all(
    ticket.notes.map(async (n) => {
      if (n.direction !== 'outbound' || !n.outboxId || !channelId) return n;
      const r = (await readOutbox(channelId, n.outboxId))?.record;
      const outbox: OutboxSummary = r
        ? { id: r.id, state: r.state, messageId: r.messageId, ...(r.sentAt ? { sentAt: r.sentAt } : {}), ...(r.failure ? { failure: r.failure } : {}) }
        : { id: n.outboxId, state: 'missing' };
      return { ...n, outbox };
    }),
  );
  return { ...ticket, notes };
}
