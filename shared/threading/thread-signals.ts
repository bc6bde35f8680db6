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
  /** Header names lower-cased (parsed-mail.ts); only `thread-index` is read here. */
  headers?: Readonly<Record<string, string>> | undefined;
  /**
   * The ticket this very mail creates (its id derives from the mail's ledger key): a trace an
   * earlier attempt left (its conversation, say) names it, and a mail is never a reply to itself.
   */
  ownTicketId?: string | undefined;
}

export function threadSignals(mail: MailForThreading, format: TicketTokenFormat): ThreadSignals {
  const subject = mail.subject ?? '';
  const messageIds = referencedMessageIds(mail);
  const prefixKind = stripSubjectPrefixes(subject).kind;
  const continues = messageIds.length > 0 || prefixKind !== undefined || isChildConversationIndex(mail.headers?.['thread-index']);
  return {
    tokens: findTokens(format, subject).slice(0, MAX_TOKENS),
    markers: findMarkers(format, mail.html, mail.text).slice(0, MAX_MARKERS),
    messageIds,
    ...(mail.conversationId && continues ? { conversationId: mail.conversationId } : {}),
    prefixKind,
  };
}

/** Outlook's conversation index ([MS-OXOMSG] 2.2.1.3): a 22-byte header, then 5 bytes per reply or forward. */
const INDEX_HEADER_BYTES = 22;

/**
 * Whether a Thread-Index header (base64 of the conversation index) is a reply's or a
 * forward's: longer than the header block a new mail starts its conversation with. Only
 * the length is read, of a bounded prefix, so a hostile header costs nothing.
 *
 * Why the Graph conversation is looked up only for a mail that continues one (it names
 * Message-IDs, its subject has a reply or forward prefix, or its index is a child's): a
 * mail with none of these can share its conversation with an earlier mail only through
 * Exchange's hash of the subject, which is no sign of a reply (reply-route.ts) — the
 * sender wrote a new mail with a subject seen before. It becomes a new ticket, as in
 * Zammad or Zendesk, and costs no read.
 */
export function isChildConversationIndex(header: string | undefined): boolean {
  if (!header) return false;
  return Buffer.from(header.slice(0, 256).trim(), 'base64').length > INDEX_HEADER_BYTES;
}
