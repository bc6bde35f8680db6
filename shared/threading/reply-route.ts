import { z } from 'zod';
import { closedTicketOutcome } from './closed-ticket';
import { Trust, trustOf } from './trust';
import type { ThreadContext } from './thread-context';
import type { ThreadingSettings } from './threading-settings';

/**
 * Where a mail goes once its thread is known: a note on the ticket (reopening it or not),
 * a new ticket (linking the old one when there is one), or the fail folder — each with a
 * code and reason for the ledger and the dry run. Pure; `decide()` turns it into its
 * `addNote` / `createTicket` / reject decision.
 *
 * Order of the rules: trust first (an untrusted sender learns nothing about the ticket,
 * not even its template or status), then the template whitelist (a ticket that takes no
 * mail updates takes none, open or closed), then the closed-ticket rule.
 */
export const RouteCode = z.enum(['NO_THREAD', 'ATTACHED', 'REOPENED', 'UNTRUSTED_REPLY', 'TEMPLATE_NOT_WHITELISTED', 'CLOSED_TICKET']);

export const ReplyRoute = z.discriminatedUnion('action', [
  z.object({ action: z.literal('addNote'), ticketId: z.string(), reopen: z.boolean(), code: RouteCode, reason: z.string(), trust: Trust }),
  z.object({ action: z.literal('newTicket'), linkTo: z.string().optional(), code: RouteCode, reason: z.string(), trust: Trust.optional() }),
  z.object({ action: z.literal('reject'), ticketId: z.string(), code: RouteCode, reason: z.string(), trust: Trust.optional() }),
]);
export type ReplyRoute = z.infer<typeof ReplyRoute>;

export interface ReplyPolicy {
  threading: Pick<ThreadingSettings, 'untrustedReply' | 'closedReply'>;
  /** The channel's `ticketMapping.whitelist`: templates whose tickets accept mail updates. */
  whitelist: readonly string[];
  nonWhitelistedReply: 'reject' | 'newTicket';
}

/** A channel's reply policy: its threading settings and its template whitelist. */
export const replyPolicyOf = (channel: {
  threading: ReplyPolicy['threading'];
  ticketMapping: { whitelist: readonly string[]; nonWhitelistedReply: ReplyPolicy['nonWhitelistedReply'] };
}): ReplyPolicy => ({ threading: channel.threading, whitelist: channel.ticketMapping.whitelist, nonWhitelistedReply: channel.ticketMapping.nonWhitelistedReply });

export function routeReply(context: ThreadContext, sender: string | undefined, policy: ReplyPolicy, now: Date): ReplyRoute {
  const ticket = context.ticket;
  if (!ticket) {
    const why = context.choice.setAside.map((s) => s.reason).join('; ');
    return { action: 'newTicket', code: 'NO_THREAD', reason: why ? `no ticket of this channel found (${why})` : 'no ticket found for this mail' };
  }
  const trust = trustOf(ticket, context.choice, sender);
  if (!trust.trusted && context.choice.signals.every((s) => s.signal === 'conversationId')) {
    // Exchange puts a mail without a conversation index into the conversation of its subject
    // ([MS-OXOMSG] 2.2.1.2: an MD5 of the topic), so a stranger's new mail titled like someone
    // else's ticket shares its conversation. That is no sign of a reply: a new mail, whatever
    // the channel does with untrusted replies.
    return { action: 'newTicket', code: 'UNTRUSTED_REPLY', reason: `${trust.reason}; only the Graph conversation (which Exchange may derive from the subject) links it: treated as a new mail`, trust };
  }
  if (!trust.trusted) {
    return policy.threading.untrustedReply === 'reject'
      ? { action: 'reject', ticketId: ticket.id, code: 'UNTRUSTED_REPLY', reason: `${trust.reason}; the channel rejects such replies`, trust }
      : { action: 'newTicket', code: 'UNTRUSTED_REPLY', reason: `${trust.reason}; treated as a new mail`, trust };
  }
  if (!policy.whitelist.includes(ticket.templateId)) {
    const why = `template ${ticket.templateId} of ticket ${ticket.id} does not take mail updates (not on the channel's whitelist)`;
    return policy.nonWhitelistedReply === 'reject'
      ? { action: 'reject', ticketId: ticket.id, code: 'TEMPLATE_NOT_WHITELISTED', reason: why, trust }
      : { action: 'newTicket', code: 'TEMPLATE_NOT_WHITELISTED', reason: `${why}; treated as a new mail`, trust };
  }
  const closed = closedTicketOutcome(ticket, policy.threading.closedReply, now);
  switch (closed.action) {
    case 'addNote':
      return { action: 'addNote', ticketId: ticket.id, reopen: false, code: 'ATTACHED', reason: `${trust.reason}; ${closed.reason}`, trust };
    case 'reopen':
      return { action: 'addNote', ticketId: ticket.id, reopen: true, code: 'REOPENED', reason: closed.reason, trust };
    case 'newTicket':
      return { action: 'newTicket', linkTo: closed.linkTo, code: 'CLOSED_TICKET', reason: closed.reason, trust };
    case 'reject':
      return { action: 'reject', ticketId: ticket.id, code: 'CLOSED_TICKET', reason: closed.reason, trust };
  }
}
