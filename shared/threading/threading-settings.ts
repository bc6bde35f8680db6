import { z } from 'zod';
import { TicketTokenFormat } from './ticket-token';

/**
 * A channel's threading settings: the token format and what replies the channel may not
 * simply attach do. Meant for the channel record (`ChannelInput.threading`, prefault {}),
 * next to `ticketMapping.whitelist` / `nonWhitelistedReply`.
 */
export const ClosedTicketPolicy = z
  .object({
    mode: z
      .enum(['reopen', 'newTicket', 'reject'])
      .default('reopen')
      .describe('reopen = the reply reopens the ticket if it was closed at most reopenDays ago, else makes a new ticket linking the old one; newTicket = always a new linked ticket; reject = fail folder with the reason'),
    reopenDays: z.number().int().min(0).max(3650).default(14).describe('with mode reopen: days after closing during which a reply reopens the ticket'),
  })
  .describe('what a reply to a resolved or closed ticket does');
export type ClosedTicketPolicy = z.infer<typeof ClosedTicketPolicy>;

export const UntrustedReplyPolicy = z
  .enum(['newTicket', 'reject'])
  .describe('what a reply does whose sender is not a participant of the ticket and that carries no valid signed token: newTicket = treated as a new mail (the reason is recorded); reject = fail folder with the reason');

export const ThreadingSettings = z.object({
  token: TicketTokenFormat.prefault({}),
  untrustedReply: UntrustedReplyPolicy.default('newTicket'),
  closedReply: ClosedTicketPolicy.prefault({}),
});
export type ThreadingSettings = z.infer<typeof ThreadingSettings>;
