import { findMarkers, type FoundMarker } from './thread-marker';
import { findTokens, type FoundToken, type TicketTokenFormat } from './ticket-token';
import { referencedMessageIds } from './message-ids';
import { stripSubjectPrefixes, type PrefixKind } from './subject-prefix';

/**
 * What thread resolution has to look up for a mail, read from the mail alone: the tokens
 * of the subject, the markers of the body, the Message-IDs it refers to, its Graph
 * conversation. Bounded, because each costs a point read: a hostile subject with 10,000
 * tokens costs what one with three does.
 */
export const MAX_TOKENS = 3;
export const MAX_MARKERS = 3;

export interface ThreadSignals {
  /** The subject's tokens, first (newest) first, at most MAX_TOKENS. */
  tokens: FoundToken[];
  /** The body's signed markers, HTML first, at most MAX_MARKERS. */
  markers: FoundMarker[];
  /** Referenced Message-IDs, nearest first, at most 20 (message-ids.ts). */
  messageIds: string[];
  conversationId?: string;
  /** What the sender did last, by the subject's outermost prefix: reply, forward, or neither. */
  prefixKind: PrefixKind | undefined;
}

export interface MailForThreading {
  subject?: string | undefined;
  html?: string | undefined;
  text?: string | undefined;
  inReplyTo?: string | undefined;
  references?: string | readonly string[] | undefined;
  /** Graph only. */
  conversationId?: string | undefined;
  /**
   * The ticket this very mail creates (its id derives from the mail's ledger key): a trace an
   * earlier attempt left (its conversation, say) names it, and a mail is never a reply to itself.
   */
  ownTicketId?: string | undefined;
}

export function threadSignals(mail: MailForThreading, format: TicketTokenFormat): ThreadSignals {
  const subject = mail.subject ?? '';
  return {
    tokens: findTokens(format, subject).slice(0, MAX_TOKENS),
    markers: findMarkers(format, mail.html, mail.text).slice(0, MAX_MARKERS),
    messageIds: referencedMessageIds(mail),
    ...(mail.conversationId ? { conversationId: mail.conversationId } : {}),
    prefixKind: stripSubjectPrefixes(subject).kind,
  };
}
