/**
 * The Message-IDs of a ticket's conversation, for the mail the channel sends about it
 * (an agent's reply, a status notification): In-Reply-To names the customer's latest
 * mail — the newest inbound note's, else the mail that made the ticket — and References
 * every id we know of the thread, oldest first (compose-mail.ts `threadHeaders` bounds
 * them and puts the parent last). Pure: the caller hands in the ticket as read.
 */

export interface ThreadedTicket {
  source?: { messageId?: string | undefined } | undefined;
  notes: readonly {
    direction?: 'inbound' | 'outbound' | undefined;
    source?: { messageId?: string | undefined } | undefined;
    outboxId?: string | undefined;
  }[];
}

export interface TicketThread {
  /** The customer's latest mail: what our mail answers. */
  lastMessageId?: string;
  /** The other ids of the conversation, oldest first (the parent is not repeated here). */
  references: string[];
}

/**
 * `sentMessageId` gives the Message-ID of one of our earlier mails (an outbound note's
 * outbox record; outbound/outgoing.ts `outgoingMessageIdFor`), so the customer's client
 * threads our replies with theirs; undefined leaves it out.
 */
export function ticketThread(ticket: ThreadedTicket, sentMessageId: (outboxId: string) => string | undefined = () => undefined): TicketThread {
  // notes come oldest first (tickets.ts getTicket)
  const ids: string[] = [];
  let lastInbound: string | undefined;
  if (ticket.source?.messageId) {
    ids.push(ticket.source.messageId);
    lastInbound = ticket.source.messageId;
  }
  for (const note of ticket.notes) {
    if (note.direction === 'outbound') {
      const ours = note.outboxId ? sentMessageId(note.outboxId) : undefined;
      if (ours) ids.push(ours);
    } else if (note.source?.messageId) {
      ids.push(note.source.messageId);
      lastInbound = note.source.messageId;
    }
  }
  return {
    ...(lastInbound ? { lastMessageId: lastInbound } : {}),
    references: lastInbound ? ids.filter((id) => id !== lastInbound) : ids,
  };
}
