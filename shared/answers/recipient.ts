import { z } from 'zod';
import type { Address } from '../mail/parsed-mail';
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

/**
 * Local-part words of addresses that read no answers, separators removed: the no-reply
 * family (as senders write it in several languages), mail systems (bounces come from
 * them), and list robots. Matched against a whole segment or run of up to three segments
 * of the local part (split at `.`, `-`, `_`, `=`; the `+tag` cut off): `no-reply`,
 * `support.noreply`, `do_not_reply`, `bounces+123`, `msprvs1=…=bounces-42` all match,
 * while `bouncer`, `nor.eply` or `replyto` do not.
 */
const NO_REPLY_WORDS = new Set([
  'noreply', 'donotreply', 'dontreply', 'norespond', 'noresponse', 'donotrespond', 'nepasrepondre', 'keineantwort', 'nichtantworten', 'noresponder', 'norispondere', 'nietbeantwoorden',
  'mailerdaemon', 'maildaemon', 'postmaster', 'postmasters', 'bounce', 'bounces', 'nobody',
  'listserv', 'majordomo', 'mailman', 'sympa',
]);
/** Longest run of segments read as one word (`do-not-reply`, `ne-pas-repondre`). */
const MAX_RUN = 3;
/** Local parts are at most 64 octets (RFC 5321); past this the address is not valid anyway. */
const MAX_LOCAL_LENGTH = 256;

export interface NoReplyMatch {
  /** The word found, separators removed (`noreply`). */
  word: string;
}

/** Whether the local part names a no-reply, mail-system or list-robot mailbox; linear in its length. */
export function noReplyLocalPart(address: string): NoReplyMatch | undefined {
  const parts = splitAddress(address.trim());
  if (!parts) return undefined;
  let local = parts.local.slice(0, MAX_LOCAL_LENGTH);
  const plus = local.indexOf('+');
  if (plus > 0) local = local.slice(0, plus);
  // list robots' admin addresses: owner-<list>@, <list>-owner@, <list>-request@ (RFC 2142, Mailman, Sympa)
  if (local.startsWith('owner-') || local.endsWith('-owner') || local.endsWith('-request')) return { word: local.startsWith('owner-') ? 'owner-' : local.slice(local.lastIndexOf('-')) };
  const segments: string[] = [];
  let from = 0;
  for (let i = 0; i <= local.length; i++) {
    const c = local[i];
    if (i === local.length || c === '.' || c === '-' || c === '_' || c === '=') {
      if (i > from) segments.push(local.slice(from, i));
      from = i + 1;
    }
  }
  for (let s = 0; s < segments.length; s++) {
    let run = '';
    for (let n = 0; n < MAX_RUN && s + n < segments.length; n++) {
      run += segments[s + n];
      if (NO_REPLY_WORDS.has(run)) return { word: run };
    }
  }
  return undefined;
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
