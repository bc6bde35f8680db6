import { z } from 'zod';
import type { Address } from '../mail/parsed-mail';
import { noReplyLocalPart } from '../mail/no-reply-address';
import { splitAddress } from '../mail/signals/signal';

/**
 * Who may get a mail the channel sends on its own, judged on the parsed address (local
 * part and domain apart), never by a pattern over a header: an address that is not one,
 * one of our own, or one that by its name reads no mail (no-reply, mail system, list
 * robot) gets nothing.
 */

/** RFC 5321: at most 254 characters in a forward path; a longer "address" is not one. */
const MAX_ADDRESS_LENGTH = 254;
const EmailAddress = z.email();

/** The address, trimmed, when it is one we could send to; undefined otherwise. */
export function validRecipient(address: string | undefined): string | undefined {
  const a = address?.trim();
  if (!a || a.length > MAX_ADDRESS_LENGTH) return undefined;
  return EmailAddress.safeParse(a).success ? a : undefined;
}

/** `Jane+tickets@Example.COM` → `jane@example.com`: what "the same mailbox" means when comparing. */
export function mailboxKey(address: string): string {
  const parts = splitAddress(address.trim());
  if (!parts) return '';
  const plus = parts.local.indexOf('+');
  return `${plus > 0 ? parts.local.slice(0, plus) : parts.local}@${parts.domain}`;
}

/**
 * Every address of ours that must never be answered: the channel's mailbox, its reply-to,
 * its aliases, and the addresses of every other channel of this system (two channels
 * acknowledging each other would otherwise loop), as mailbox keys.
 */
export function ownAddressSet(addresses: Iterable<string | undefined>): Set<string> {
  const own = new Set<string>();
  for (const a of addresses) if (a && a.includes('@')) own.add(mailboxKey(a));
  return own;
}

/** Why an address cannot be answered, or undefined when it can: the rules every mail we send obeys. */
export type RecipientProblem =
  | { code: 'SENDER_INVALID'; message: string }
  | { code: 'OWN_ADDRESS'; message: string }
  | { code: 'NO_REPLY_ADDRESS'; message: string };

export function recipientProblem(recipient: Pick<Address, 'address'> | undefined, own: ReadonlySet<string>): RecipientProblem | undefined {
  const shown = JSON.stringify((recipient?.address ?? '').slice(0, 300));
  const address = validRecipient(recipient?.address);
  if (!address) return { code: 'SENDER_INVALID', message: recipient?.address ? `the sender ${shown} is not a valid address` : 'the mail has no sender address' };
  if (own.has(mailboxKey(address))) return { code: 'OWN_ADDRESS', message: `the sender ${address} is one of our own addresses` };
  const noReply = noReplyLocalPart(address);
  if (noReply) return { code: 'NO_REPLY_ADDRESS', message: `the sender ${address} reads no answers (local part "${noReply.word}")` };
  return undefined;
}
