import type { MailKind, ParsedMail } from '../parsed-mail';

/**
 * One signal = one small pure function that looks at a parsed mail and either says
 * nothing or names a kind with its evidence. `classify.ts` runs them in order and
 * composes the result; each lives in its own file so "where do we detect X?" is
 * answered by the folder listing (the shape of Zammad's `channel/filter/*.rb`, typed).
 */
export type MachineKind = Exclude<MailKind, 'human'>;

export interface SignalHit {
  /**
   * The machine kind the evidence shows; `human` for a hint that does not make the mail
   * a machine's but asks that it get no auto-response (e.g. `X-Auto-Response-Suppress`).
   */
  kind: MachineKind | 'human';
  /** The evidence, as an admin would check it, e.g. `Auto-Submitted: auto-replied (RFC 3834)`. */
  reason: string;
}

export interface SignalInput {
  mail: ParsedMail;
  /** The channel's own addresses (mailbox, reply-to), lower-cased. */
  ownAddresses: readonly string[];
  channelId?: string;
  /**
   * Set when the mail was forwarded or redirected by a person's inbox rule: the
   * hop's headers (Exchange's loop and auto-submitted stamps) describe the forward,
   * not the author, so signals that read them stay silent.
   */
  forwardedByRule?: string;
}

export interface Signal {
  readonly name: string;
  test(input: SignalInput): SignalHit | undefined;
}

/** A header value (lower-cased name), trimmed; repeated headers give the first. */
export function header(mail: ParsedMail, name: string): string | undefined {
  const v = mail.headers[name];
  return v === undefined ? undefined : (v.split('\n')[0] ?? '').trim();
}

export function hit(kind: MachineKind, reason: string): SignalHit {
  return { kind, reason };
}

/** Evidence that a mail must not be auto-answered, though a person may have written it. */
export function noAutoResponseHint(reason: string): SignalHit {
  return { kind: 'human', reason };
}

/**
 * The first `max` characters of the plain-text body, trimmed at the start: phrases that
 * mark a machine's mail open its body, while a person who forwards or quotes such a
 * mail writes something first.
 */
export function bodyOpening(mail: ParsedMail, max = 600): string {
  // Bounded: leading whitespace beyond a few windows is no machine's opening either.
  return mail.text.slice(0, max * 4).trimStart().slice(0, max);
}

/** The local part and domain of an address, lower-cased. */
export function splitAddress(address: string | undefined): { local: string; domain: string } | undefined {
  if (!address) return undefined;
  const at = address.lastIndexOf('@');
  if (at < 0) return { local: address.toLowerCase(), domain: '' };
  return { local: address.slice(0, at).toLowerCase(), domain: address.slice(at + 1).toLowerCase() };
}

/**
 * A support address that is itself a group (Google Groups, Microsoft 365 groups, Mailman)
 * stamps list headers (List-*, Precedence: list, Mailing-list) on every mail it relays:
 * those mails are people writing to the service desk, not list traffic. The list is
 * "ours" when its List-Post address, or its List-Id (`<local.domain>`, as Google Groups
 * writes it), names one of the channel's own addresses (mailbox or reply-to).
 */
export function isOwnList(mail: ParsedMail, ownAddresses: readonly string[]): boolean {
  if (ownAddresses.length === 0) return false;
  const own = ownAddresses.map((a) => a.toLowerCase());
  const post = /mailto:([^>?\s]+)/i.exec(header(mail, 'list-post') ?? '')?.[1]?.toLowerCase();
  if (post && own.includes(post)) return true;
  const id = /<([^<>]+)>/.exec(header(mail, 'list-id') ?? '')?.[1]?.toLowerCase();
  return id !== undefined && own.some((a) => a.replace('@', '.') === id);
}
