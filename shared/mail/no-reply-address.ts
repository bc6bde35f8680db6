import { splitAddress } from './signals/signal';

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
