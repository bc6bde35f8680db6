import type { ParsedMail } from '../parsed-mail';
import { isOutOfOfficeSubject } from './out-of-office-subject';
import { header } from './signal';

/** Forward prefixes of the common clients (EN, DE, FR, ES, IT, NL, PT, Nordic). */
const forwardPrefix = /^\s*(?:fwd?|wg|tr|rv|enc|i|doorst|fw|vs|vb|vl|pd|ps)\s*[:：]/i;

/**
 * The known false positive of auto-reply detection: a person's mail that their own
 * inbox rule forwarded or redirected to the channel. Exchange stamps such a forward
 * with `X-MS-Exchange-Inbox-Rules-Loop` (and `X-MS-Exchange-Generated-Message-Source:
 * Mailbox Rules Agent`, `X-Auto-Response-Suppress`, lately `Auto-Submitted:
 * auto-generated` or `auto-forwarded`) — the very headers of an Exchange out-of-office
 * reply. The difference is the shape: a forward has a forward subject (`FW:`); a
 * redirect keeps the original sender, so its From is not the mailbox whose rule acted
 * (an out-of-office reply comes From that very mailbox), and often has `Resent-*`
 * headers; an out-of-office reply has an out-of-office subject.
 * Zammad's issue #6025 and getmunin/munin#940 describe the failure this prevents.
 *
 * Returns the evidence when the mail is such a forward, undefined otherwise.
 */
/** True when the subject starts with a forward prefix (`FW:`, `Fwd:`, `WG:`, `TR:` …). */
export function hasForwardPrefix(subject: string): boolean {
  return forwardPrefix.test(subject);
}

export function ruleForwardEvidence(mail: ParsedMail): string | undefined {
  if (isOutOfOfficeSubject(mail.subject)) return undefined;
  const autoSubmitted = header(mail, 'auto-submitted');
  if (autoSubmitted && /^auto-forwarded\b/i.test(autoSubmitted)) return `Auto-Submitted: ${autoSubmitted} (a forwarding hop)`;
  const rulesLoop = header(mail, 'x-ms-exchange-inbox-rules-loop');
  if (rulesLoop === undefined) return undefined;
  if (forwardPrefix.test(mail.subject)) return `forwarded by ${rulesLoop}'s inbox rule (X-MS-Exchange-Inbox-Rules-Loop, subject "${mail.subject.trim()}")`;
  const resent = header(mail, 'resent-from') ?? header(mail, 'resent-sender');
  if (resent !== undefined) return `redirected by ${rulesLoop}'s inbox rule (X-MS-Exchange-Inbox-Rules-Loop, Resent-From: ${resent})`;
  const from = mail.from?.address.toLowerCase();
  const owner = bracketed(rulesLoop).trim().toLowerCase();
  if (from && owner.includes('@') && from !== owner) return `redirected by ${rulesLoop}'s inbox rule (X-MS-Exchange-Inbox-Rules-Loop names another mailbox than From ${from})`;
  return undefined;
}

/** `Name <addr>` → `addr`: after the last `<`, up to the next `>` (string search; `/>.*$/` is quadratic on a run of `>`). */
function bracketed(value: string): string {
  const inner = value.slice(value.lastIndexOf('<') + 1);
  const close = inner.indexOf('>');
  return close < 0 ? inner : inner.slice(0, close);
}
