import { MAIL_CHANNEL_HEADER } from '../mail/classify';
import type { Address } from '../mail/parsed-mail';
import { withoutAngleBrackets } from '../mail/mime-headers';
import { OutboundMail } from '../outbound/mail-sender';
import { MAX_REFERENCED_IDS } from '../threading/message-ids';
import { subjectWithToken, tokenRef, type TicketTokenFormat } from '../threading/ticket-token';
import type { AnswerSettings, MailTemplate } from './answer-settings';
import type { Suppression } from './answer-policy';
import { validRecipient } from './recipient';
import { renderTemplate } from './render-template';

/**
 * What auto-responses and notifications share: thread headers, the rendered template with
 * the token in the subject, and the last check against the OutboundMail schema (the
 * outbox's contract), which turns any surprise into a suppression instead of a throw.
 */

/** The channel as its mails show it. */
export interface ChannelIdentity {
  id: string;
  name: string;
  /** The mailbox address (connection.username): From. */
  address: string;
  /** connection.replyTo: Reply-To, when set. */
  replyTo?: string | undefined;
}

export interface TicketRef {
  id: string;
  number: number;
  title: string;
  /** Where the requester follows the ticket. */
  link: string;
}

/** A Message-ID is at most this long here: 20 of them make one bounded header. */
const MAX_ID_LENGTH = 250;
/** The subject's text after the token, in characters (clients show about 80; a header line holds 998). */
export const MAX_SUBJECT_TEXT = 400;

/** `<id>` for a Message-ID given with or without brackets; undefined when it is not one. */
export function bracketedId(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const bare = withoutAngleBrackets(raw);
  if (!bare || bare.length > MAX_ID_LENGTH) return undefined;
  for (const c of bare) if (c === '<' || c === '>' || c <= ' ' || c === '\u007f') return undefined;
  return `<${bare}>`;
}

/**
 * In-Reply-To and References of an answer to `parentId` (RFC 5322 3.6.4): the parent's
 * References, then the parent. Bounded to MAX_REFERENCED_IDS ids: the thread's root
 * (the first) and the most recent, which are what clients and our thread index match.
 */
export function threadHeaders(parentId: string | undefined, parentReferences: readonly string[] = []): { inReplyTo?: string; references?: string[] } {
  const parent = bracketedId(parentId);
  const ids: string[] = [];
  const seen = new Set<string>();
  for (const raw of [...parentReferences, ...(parent ? [parent] : [])]) {
    const id = bracketedId(raw);
    if (id && !seen.has(id)) {
      seen.add(id);
      ids.push(id);
    }
  }
  const references = ids.length > MAX_REFERENCED_IDS ? [ids[0]!, ...ids.slice(ids.length - (MAX_REFERENCED_IDS - 1))] : ids;
  return { ...(parent ? { inReplyTo: parent } : {}), ...(references.length ? { references } : {}) };
}

function isWebLink(link: string): boolean {
  if (link.length > 2048 || !URL.canParse(link)) return false;
  const { protocol } = new URL(link);
  return protocol === 'https:' || protocol === 'http:';
}

export interface ComposeParts {
  settings: AnswerSettings;
  channel: ChannelIdentity;
  ticket: TicketRef;
  to: Address;
  template: MailTemplate;
  /** Placeholder values beyond the common ones (customerSubject, ticketStatus). */
  values: Record<string, string>;
  token: string;
  tokenFormat: TicketTokenFormat;
  thread: { inReplyTo?: string; references?: string[] };
  headers: Record<string, string>;
  /** Our Message-ID (message-ids.ts `outgoingMessageId`), with or without brackets. */
  messageId?: string | undefined;
}

export type Composed = { send: true; mail: OutboundMail } | { send: false; suppression: Suppression };

/** The mail from its parts, checked against the outbox's schema. */
export function composeMail(p: ComposeParts): Composed {
  const from = validRecipient(p.channel.address);
  if (!from) return { send: false, suppression: { code: 'CHANNEL_ADDRESS_INVALID', message: `the channel's address ${JSON.stringify(p.channel.address.slice(0, 300))} is not a mail address to send from` } };
  const replyTo = validRecipient(p.channel.replyTo);
  // the link lands in an href: only a web address, never javascript: or data:
  if (!isWebLink(p.ticket.link)) return { send: false, suppression: { code: 'COMPOSE_FAILED', message: `the ticket link ${JSON.stringify(p.ticket.link.slice(0, 300))} is not an http(s) URL` } };
  const values: Record<string, string> = {
    ticketNumber: tokenRef(p.tokenFormat, p.channel.id, p.ticket.number),
    ticketTitle: p.ticket.title,
    ticketLink: p.ticket.link,
    requesterName: p.to.name.trim() || p.to.address,
    channelName: p.channel.name,
    ...p.values,
  };
  const rendered = renderTemplate(p.template.subject, values, 'subject').text;
  const subjectText = rendered.length > MAX_SUBJECT_TEXT ? `${rendered.slice(0, MAX_SUBJECT_TEXT - 1)}…` : rendered;
  const fromName = p.settings.fromName ?? p.channel.name;
  const mail = {
    from: { name: fromName.slice(0, 200), address: from },
    to: { name: p.to.name.slice(0, 200), address: p.to.address.trim() },
    ...(replyTo ? { replyTo } : {}),
    subject: subjectWithToken(p.tokenFormat, subjectText, p.token),
    text: renderTemplate(p.template.text, values, 'text').text,
    ...(p.template.html ? { html: renderTemplate(p.template.html, values, 'html').text } : {}),
    ...p.thread,
    ...(bracketedId(p.messageId) ? { messageId: bracketedId(p.messageId) } : {}),
    // our stamp (classify.ts's own-stamp signal) whatever sender carries the mail
    headers: { [MAIL_CHANNEL_HEADER]: p.channel.id, ...p.headers },
  };
  const checked = OutboundMail.safeParse(mail);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    return { send: false, suppression: { code: 'COMPOSE_FAILED', message: `the mail is invalid at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'unknown'}` } };
  }
  return { send: true, mail: checked.data };
}
