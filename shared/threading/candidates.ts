import type { ConversationEntry, MessageIdEntry, TicketNumberEntry } from '../store/thread-index';
import type { FoundMarker } from './thread-marker';
import { type FoundToken, tokenRef, verifyToken, type TicketTokenFormat } from './ticket-token';
import type { ThreadCandidate } from './thread-context';

/**
 * What each lookup of thread resolution means, as a candidate for chooseTicket. Pure: the
 * index entries come in as data. Signatures are checked against the RECEIVING channel, so
 * a token made for another channel is `invalid` here while its number still names that
 * channel's ticket — which chooseTicket then sets aside.
 */
type NumberedTicket = Pick<TicketNumberEntry, 'ticketId' | 'ticketChannelId'>;

/** A subject token whose number names a ticket; undefined when the number names none. */
export function tokenCandidate(token: FoundToken, ticket: NumberedTicket | undefined, channelId: string, keys: readonly Buffer[]): ThreadCandidate | undefined {
  if (!ticket) return undefined;
  const signature = !token.signature ? 'absent' : verifyToken(token, channelId, keys) ? 'valid' : 'invalid';
  return { signal: 'token', ticketId: ticket.ticketId, ticketChannelId: ticket.ticketChannelId, signature, evidence: token.text };
}

export function markerCandidate(format: TicketTokenFormat, marker: FoundMarker, ticket: NumberedTicket | undefined, channelId: string, keys: readonly Buffer[]): ThreadCandidate | undefined {
  if (!ticket) return undefined;
  return {
    signal: 'marker',
    ticketId: ticket.ticketId,
    ticketChannelId: ticket.ticketChannelId,
    signature: verifyToken(marker, channelId, keys) ? 'valid' : 'invalid',
    evidence: `[ref:${tokenRef(format, channelId, marker.ticketNumber)}-${marker.signature}]`,
  };
}

/** An index entry lives in the channel's partition: its ticket is the channel's. */
export function messageIdCandidate(entry: MessageIdEntry): ThreadCandidate {
  return { signal: 'messageId', ticketId: entry.ticketId, ticketChannelId: entry.channelId, direction: entry.kind, evidence: entry.key };
}

export function conversationCandidate(entry: ConversationEntry): ThreadCandidate {
  return { signal: 'conversationId', ticketId: entry.ticketId, ticketChannelId: entry.channelId, evidence: entry.key };
}
