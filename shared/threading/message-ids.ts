import { createHash } from 'node:crypto';
import { messageIds } from '../mail/mime-headers';
import { normalizeMessageId } from '../pipeline/ledger-key';

/**
 * Message-IDs of the mail we send, and the ids a reply refers to.
 */

/**
 * The Message-ID (without brackets) of an outgoing mail: derived from its outbox key and
 * our domain, so a redelivered send job gives the provider the same id, and the thread
 * index entry written before sending stays right.
 */
export function outgoingMessageId(outboxKey: string, domain: string): string {
  const host = domain.trim().toLowerCase();
  if (!/^[a-z0-9.-]{1,253}$/.test(host) || !host.includes('.')) throw new Error(`"${domain}" is not a domain for a Message-ID`);
  return `mc.${createHash('sha256').update(`outbox\n${outboxKey}`).digest('hex').slice(0, 32)}@${host}`;
}

/** As a header value: `<id>`. */
export const asHeaderValue = (id: string) => `<${id}>`;

/** The thread index reads at most this many ids per mail: point reads are paid per id. */
export const MAX_REFERENCED_IDS = 20;
/** RFC 5322 lines are at most 998 characters; a longer "id" is not one. */
const MAX_ID_LENGTH = 998;

/**
 * The Message-IDs a reply refers to (ParsedMail's `inReplyTo`/`references`, or raw header values), normalised (ledger-key.ts's rule) and de-duplicated,
 * nearest first: In-Reply-To, then References from the last (the parent) back to the
 * first (the thread's root), at most `max` of them. A long thread keeps its recent ids,
 * which are the ones our index knows best (every mail we sent or received into it).
 */
export function referencedMessageIds(
  mail: { inReplyTo?: string | undefined; references?: string | readonly string[] | undefined },
  max = MAX_REFERENCED_IDS,
): string[] {
  const { inReplyTo, references } = mail;
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (raw: string) => {
    if (out.length >= max || raw.length > MAX_ID_LENGTH) return;
    const id = normalizeMessageId(raw);
    if (!id || seen.has(id)) return;
    seen.add(id);
    out.push(id);
  };
  for (const id of inReplyTo ? messageIds(inReplyTo) : []) add(id);
  // ParsedMail gives References as a list already; a raw header value is split here
  const refs = typeof references === 'string' ? messageIds(references) : (references ?? []);
  for (let i = refs.length - 1; i >= 0 && out.length < max; i--) add(refs[i]!);
  return out;
}
