import { z } from 'zod';
import { normalizeAddress, type ResolvedTicket, type ThreadChoice } from './thread-context';

/**
 * Whether a reply may be attached to the ticket it names. Tokens can be guessed and
 * headers forged, so naming a ticket is not enough: the sender must be a participant of
 * the ticket, or the mail must carry our signature for it (subject token or body marker).
 * Otherwise the channel's `untrustedReply` setting decides (reply-route.ts).
 */
export const Trust = z.discriminatedUnion('trusted', [
  z.object({ trusted: z.literal(true), code: z.enum(['SENDER_IS_PARTICIPANT', 'SIGNED_TOKEN', 'SIGNED_MARKER']), reason: z.string() }),
  z.object({ trusted: z.literal(false), code: z.enum(['SENDER_NOT_PARTICIPANT', 'SENDER_MISSING']), reason: z.string() }),
]);
export type Trust = z.infer<typeof Trust>;

export function trustOf(ticket: Pick<ResolvedTicket, 'id' | 'participants'>, choice: Pick<ThreadChoice, 'signals'>, sender: string | undefined): Trust {
  const from = sender ? normalizeAddress(sender) : '';
  if (from && ticket.participants.some((p) => normalizeAddress(p) === from)) {
    return { trusted: true, code: 'SENDER_IS_PARTICIPANT', reason: `${from} is a participant of ticket ${ticket.id}` };
  }
  const token = choice.signals.find((s) => s.signal === 'token' && s.signature === 'valid');
  if (token) return { trusted: true, code: 'SIGNED_TOKEN', reason: `the subject carries our signed token ${token.evidence} of ticket ${ticket.id}` };
  const marker = choice.signals.find((s) => s.signal === 'marker' && s.signature === 'valid');
  if (marker) return { trusted: true, code: 'SIGNED_MARKER', reason: `the body carries our signed marker ${marker.evidence} of ticket ${ticket.id}` };
  const found = choice.signals.map((s) => s.signal).join(', ') || 'nothing';
  if (!from) return { trusted: false, code: 'SENDER_MISSING', reason: `the mail has no sender address and no valid signed token of ticket ${ticket.id} (found by ${found})` };
  return { trusted: false, code: 'SENDER_NOT_PARTICIPANT', reason: `${from} is not a participant of ticket ${ticket.id} and the mail carries no valid signed token (found by ${found})` };
}
