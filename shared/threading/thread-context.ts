import { z } from 'zod';
import { TicketStatus, type Ticket } from '../tickets/ticket';

/**
 * The thread context: what thread resolution (point reads) found for a mail, handed to the
 * pure decision. Finding is here; permitting is in trust.ts, closed-ticket.ts and
 * reply-route.ts — the two concerns stay apart, as data.
 */

/** Where a candidate came from. A token's or marker's signature is checked against the receiving channel. */
export const ThreadCandidate = z.discriminatedUnion('signal', [
  z.object({
    signal: z.literal('token'),
    ticketId: z.string().min(1),
    /** The channel of the ticket the token's number names (absent: a ticket of no channel, made by the API). */
    ticketChannelId: z.string().min(1).optional(),
    /** valid = our signature for this channel; invalid = a signature that is not ours (forged, another channel, an old key); absent = no signature. */
    signature: z.enum(['valid', 'invalid', 'absent']),
    evidence: z.string(),
  }),
  z.object({
    signal: z.literal('messageId'),
    ticketId: z.string().min(1),
    ticketChannelId: z.string().min(1).optional(),
    /** Whether the id is one we sent or one we received. */
    direction: z.enum(['sent', 'received']),
    evidence: z.string(),
  }),
  z.object({
    signal: z.literal('marker'),
    ticketId: z.string().min(1),
    ticketChannelId: z.string().min(1).optional(),
    signature: z.enum(['valid', 'invalid']),
    evidence: z.string(),
  }),
  z.object({
    signal: z.literal('conversationId'),
    ticketId: z.string().min(1),
    ticketChannelId: z.string().min(1).optional(),
    evidence: z.string(),
  }),
]);
export type ThreadCandidate = z.infer<typeof ThreadCandidate>;

/** The ticket a reply was attached to, as far as the decision needs it. */
export const ResolvedTicket = z.object({
  id: z.string().min(1),
  channelId: z.string().min(1).optional(),
  templateId: z.string().min(1),
  status: TicketStatus,
  /** When it was resolved or closed; absent when unknown. */
  closedAt: z.iso.datetime().optional(),
  /** Lower-cased addresses: requester, cc (watchers), authors of earlier notes. */
  participants: z.array(z.string()),
});
export type ResolvedTicket = z.infer<typeof ResolvedTicket>;

export const SetAsideCode = z.enum(['OTHER_CHANNEL_TICKET', 'MARKER_SIGNATURE_INVALID', 'OUTRANKED']);

export const ThreadChoice = z.object({
  /** The chosen ticket; absent when no candidate stands. */
  ticketId: z.string().optional(),
  /** Every candidate naming the chosen ticket, strongest first. */
  signals: z.array(ThreadCandidate),
  /** Candidates not followed, each with why. */
  setAside: z.array(z.object({ candidate: ThreadCandidate, code: SetAsideCode, reason: z.string() })),
});
export type ThreadChoice = z.infer<typeof ThreadChoice>;

/** What the resolution step hands the decision. */
export const ThreadContext = z.object({
  candidates: z.array(ThreadCandidate),
  choice: ThreadChoice,
  /** The chosen ticket as read; absent when none was chosen (or it no longer exists). */
  ticket: ResolvedTicket.optional(),
});
export type ThreadContext = z.infer<typeof ThreadContext>;

/**
 * Precedence, strongest first, and why:
 * 1. a signed token — we wrote it for this ticket and this channel, and the sender kept it;
 * 2. a Message-ID in In-Reply-To/References — set by the client, exact, one per mail;
 * 3. a signed marker in the body — ours, but quoted text travels further (forwards of old mail);
 * 4. the Graph conversationId — Exchange groups by subject too, so unrelated mail can share one;
 * 5. a token without a valid signature — anyone can type or guess it.
 * Equal rank: the first found (tokens in subject order: the first is the newest, see ticket-token.ts).
 */
export function rankOf(c: ThreadCandidate): number {
  switch (c.signal) {
    case 'token':
      return c.signature === 'valid' ? 1 : 5;
    case 'messageId':
      return 2;
    case 'marker':
      return 3;
    case 'conversationId':
      return 4;
  }
}

/** Picks the ticket among the candidates of a mail received by `channelId`. Pure. */
export function chooseTicket(candidates: readonly ThreadCandidate[], channelId: string): ThreadChoice {
  const setAside: ThreadChoice['setAside'] = [];
  const standing: ThreadCandidate[] = [];
  for (const c of candidates) {
    if (c.ticketChannelId !== channelId) {
      setAside.push({ candidate: c, code: 'OTHER_CHANNEL_TICKET', reason: `${c.signal} "${c.evidence}" names ticket ${c.ticketId} of ${c.ticketChannelId ? `channel ${c.ticketChannelId}` : 'no channel'}, not of this channel: never attached` });
    } else if (c.signal === 'marker' && c.signature === 'invalid') {
      setAside.push({ candidate: c, code: 'MARKER_SIGNATURE_INVALID', reason: `marker "${c.evidence}" does not carry our signature for this channel` });
    } else standing.push(c);
  }
  // stable sort: equal ranks keep the order they were found in
  const ordered = standing.map((c, i) => ({ c, i })).sort((a, b) => rankOf(a.c) - rankOf(b.c) || a.i - b.i).map((x) => x.c);
  const best = ordered[0];
  if (!best) return { signals: [], setAside };
  const signals = ordered.filter((c) => c.ticketId === best.ticketId);
  for (const c of ordered) {
    if (c.ticketId !== best.ticketId) {
      setAside.push({ candidate: c, code: 'OUTRANKED', reason: `${c.signal} "${c.evidence}" names ticket ${c.ticketId}; ${best.signal} "${best.evidence}" names ${best.ticketId} and ranks higher` });
    }
  }
  return { ticketId: best.ticketId, signals, setAside };
}

/**
 * The participants of a ticket: requester, watchers (cc) and the authors of mail notes
 * (kept on the ticket as `participants`, so one point read answers), lower-cased, each once.
 */
export function participantsOf(ticket: Pick<Ticket, 'requester' | 'watchers' | 'participants'>): string[] {
  const all = [ticket.requester.email, ...ticket.watchers.map((w) => w.email), ...ticket.participants];
  return [...new Set(all.map(normalizeAddress).filter(Boolean))];
}

export const normalizeAddress = (address: string) => address.trim().toLowerCase();
