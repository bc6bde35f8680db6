import type { Ticket } from '../tickets/ticket';
import type { ConversationEntry, MessageIdEntry, TicketNumberEntry } from '../store/thread-index';
import { conversationCandidate, markerCandidate, messageIdCandidate, tokenCandidate } from './candidates';
import { chooseTicket, participantsOf, rankOf, type ResolvedTicket, type ThreadCandidate, type ThreadContext } from './thread-context';
import { threadSignals, type MailForThreading } from './thread-signals';
import type { ThreadingSettings } from './threading-settings';

/**
 * Thread resolution: the I/O step before the pure decision. It reads what the mail itself
 * names — subject tokens, body markers, referenced Message-IDs, then the Graph conversation
 * when nothing stronger named a ticket — with point reads only (each bounded,
 * thread-signals.ts), picks the ticket (chooseTicket) and reads that one ticket. Whether
 * the mail may be attached, and how, is the decision's (reply-route.ts). A mail that names
 * nothing costs no read at all.
 */
export interface ThreadLookups {
  /** The ticket-token keys, signing key first (threading/runtime.ts). */
  keys(): Promise<Buffer[]>;
  ticketByNumber(ticketNumber: number): Promise<TicketNumberEntry | undefined>;
  messageIds(channelId: string, ids: readonly string[]): Promise<MessageIdEntry[]>;
  conversation(channelId: string, conversationId: string): Promise<ConversationEntry | undefined>;
  ticket(ticketId: string): Promise<Ticket | undefined>;
}

export interface ThreadingChannel {
  id: string;
  threading: Pick<ThreadingSettings, 'token'>;
}

const CONVERSATION_RANK = rankOf({ signal: 'conversationId', ticketId: '', ticketChannelId: '', evidence: '' });

export async function resolveThread(mail: MailForThreading, channel: ThreadingChannel, lookups: ThreadLookups): Promise<ThreadContext> {
  const format = channel.threading.token;
  const signals = threadSignals(mail, format);
  const needKeys = signals.tokens.length > 0 || signals.markers.length > 0;
  // a reply to our mail names its number twice (the subject's token and the body's marker): one read per number
  const byNumber = new Map<number, Promise<TicketNumberEntry | undefined>>();
  const ticketByNumber = (n: number) => byNumber.get(n) ?? byNumber.set(n, lookups.ticketByNumber(n)).get(n)!;
  const [keys, tokenTickets, markerTickets, idEntries] = await Promise.all([
    needKeys ? lookups.keys() : Promise.resolve([] as Buffer[]),
    Promise.all(signals.tokens.map((t) => ticketByNumber(t.ticketNumber))),
    Promise.all(signals.markers.map((m) => ticketByNumber(m.ticketNumber))),
    signals.messageIds.length ? lookups.messageIds(channel.id, signals.messageIds) : Promise.resolve([]),
  ]);

  const candidates: ThreadCandidate[] = [];
  signals.tokens.forEach((t, i) => push(candidates, tokenCandidate(t, tokenTickets[i], channel.id, keys)));
  for (const entry of idEntries) candidates.push(messageIdCandidate(entry));
  signals.markers.forEach((m, i) => push(candidates, markerCandidate(format, m, markerTickets[i], channel.id, keys)));
  const choose = () => chooseTicket(mail.ownTicketId ? candidates.filter((c) => c.ticketId !== mail.ownTicketId) : candidates, channel.id);

  // The conversation ranks below a signed token, a Message-ID and a marker: read only when
  // none of them names a ticket of this channel (most replies name one: a read saved).
  let choice = choose();
  const chosen = choice.signals[0];
  if (signals.conversationId && !(chosen && rankOf(chosen) < CONVERSATION_RANK)) {
    const conversation = await lookups.conversation(channel.id, signals.conversationId);
    if (conversation) {
      candidates.push(conversationCandidate(conversation));
      choice = choose();
    }
  }
  if (!choice.ticketId) return { candidates, choice };
  const ticket = await lookups.ticket(choice.ticketId);
  // an index entry whose ticket is gone (deleted) names nothing
  return ticket ? { candidates, choice, ticket: resolvedTicket(ticket) } : { candidates, choice };
}

function push(list: ThreadCandidate[], c: ThreadCandidate | undefined): void {
  if (c) list.push(c);
}

/** The ticket as the decision needs it. */
export function resolvedTicket(t: Ticket): ResolvedTicket {
  return {
    id: t.id,
    ...(t.channelId ? { channelId: t.channelId } : {}),
    templateId: t.templateId,
    status: t.status,
    ...(t.closedAt ? { closedAt: t.closedAt } : {}),
    participants: participantsOf(t),
  };
}
