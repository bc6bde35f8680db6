import { createHash } from 'node:crypto';
import { withoutAngleBrackets } from '../mail/mime-headers';

/**
 * The ledger key of a mail in a channel: the identity that makes processing
 * exactly-once. Derived from the channel and the Internet Message-ID, or from a hash
 * of the raw MIME when the mail has no Message-ID. Ticket and note ids are derived
 * from it, so a redelivered mail finds the work it already did.
 *
 * Message-IDs are compared without angle brackets and with the domain part
 * lower-cased (RFC 5322 makes the id-right case-insensitive in practice; the local
 * part is kept as is).
 */
export function normalizeMessageId(id: string): string {
  const bare = withoutAngleBrackets(id).trim();
  const at = bare.lastIndexOf('@');
  return at < 0 ? bare : bare.slice(0, at) + '@' + bare.slice(at + 1).toLowerCase();
}

/**
 * `sourceKey` is the last resort, for a mail that could never be fetched (a poison
 * message whose listing had no Message-ID): its place in the mailbox.
 */
export function ledgerKey(channelId: string, identity: { messageId?: string; rawSha256?: string; sourceKey?: string }): string {
  const basis = identity.messageId
    ? `mid:${normalizeMessageId(identity.messageId)}`
    : identity.rawSha256
      ? `raw:${identity.rawSha256}`
      : identity.sourceKey
        ? `src:${identity.sourceKey}`
        : undefined;
  if (!basis) throw new Error('ledgerKey needs a Message-ID, a raw hash or a source key');
  return createHash('sha256').update(`${channelId}\n${basis}`).digest('hex').slice(0, 40);
}

/** The id of the ticket a mail creates: stable for the ledger key. */
export function ticketIdFor(key: string): string {
  return `T-${key.slice(0, 20)}`;
}

/** The id of the note a mail (a reply) becomes: stable for the ledger key. */
export function noteIdFor(key: string): string {
  return `N-${key.slice(0, 20)}`;
}
