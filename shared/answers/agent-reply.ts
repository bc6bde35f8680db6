import { createHash } from 'node:crypto';
import { z } from 'zod';
import { MAIL_CHANNEL_HEADER } from '../mail/classify';
import { htmlFallbackText } from '../mail/body-text';
import { OutboundMail } from '../outbound/mail-sender';
import { embedMarker } from '../threading/thread-marker';
import { stripSubjectPrefixes } from '../threading/subject-prefix';
import { subjectWithToken, type TicketTokenFormat } from '../threading/ticket-token';
import { sanitizeTicketHtml } from '../tickets/html';
import type { AnswerSettings } from './answer-settings';
import { bracketedId, MAX_SUBJECT_TEXT, threadHeaders, type ChannelIdentity } from './compose-mail';
import { mailboxKey, recipientProblem, validRecipient, type RecipientProblem } from './recipient';
import type { TicketThread } from './ticket-thread';

/**
 * An agent's reply to a ticket, sent by mail: the request the API takes, the ids that make
 * a retried request send once, and the mail itself — from the channel's mailbox to the
 * requester (and cc), threaded to the customer's latest mail, the signed token in the
 * subject and the signed marker in the body, so the customer's answer comes back to the
 * ticket. A person's mail: no `Auto-Submitted` (the customer's systems may answer it, and
 * their out-of-office is recognised by our classifier as what it is). Pure.
 */

export const MAX_REPLY_CC = 20;
export const MAX_REPLY_ATTACHMENTS = 10;
/**
 * Attachments together, decoded. Graph's sendMail takes at most 4 MB of base64 MIME: 2 MiB
 * of attachments is 2.7 MiB in MIME and 3.6 MiB in the request, leaving room for the text.
 */
export const MAX_REPLY_ATTACHMENT_BYTES = 2 * 1024 * 1024;
export const MAX_REPLY_TEXT = 100_000;
export const MAX_REPLY_HTML = 500_000;
/** The request body: attachments in base64 (4/3) plus text and HTML, with room for JSON. */
export const MAX_REPLY_BODY_BYTES = 4 * 1024 * 1024;

/** Control characters (C0, DEL) have no place in a file name or a header value. */
const hasControl = (s: string) => [...s].some((c) => c <= '\u001f' || c === '\u007f');

/** `type/subtype`, RFC 6838 restricted-name characters: checked by hand, no pattern over input. */
function isMediaType(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash <= 0 || slash !== s.lastIndexOf('/') || slash === s.length - 1) return false;
  for (const c of s) if (!(c === '/' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || '!#$&^_.+-'.includes(c))) return false;
  return true;
}

/** Bytes a base64 text decodes to (without decoding it). */
export function base64DecodedLength(b64: string): number {
  const padding = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return Math.floor((b64.length * 3) / 4) - padding;
}

export const ReplyAttachment = z.object({
  filename: z.string().trim().min(1).max(255).refine((s) => !hasControl(s), 'must not contain control characters'),
  contentType: z.string().min(3).max(255).refine(isMediaType, 'must be a media type like application/pdf').default('application/octet-stream'),
  contentBase64: z.base64('must be base64 (RFC 4648, with padding)'),
});
export type ReplyAttachment = z.infer<typeof ReplyAttachment>;

export const AgentReplyRequest = z
  .object({
    text: z.string().max(MAX_REPLY_TEXT).optional().describe('plain-text body; derived from html when absent'),
    html: z.string().max(MAX_REPLY_HTML).optional().describe('HTML body; sanitized before it is sent or stored'),
    cc: z.array(z.email().max(254)).max(MAX_REPLY_CC).default([]).describe(`at most ${MAX_REPLY_CC} addresses besides the requester`),
    attachments: z
      .array(ReplyAttachment)
      .max(MAX_REPLY_ATTACHMENTS)
      .default([])
      .describe(`at most ${MAX_REPLY_ATTACHMENTS}, together at most ${MAX_REPLY_ATTACHMENT_BYTES / 1024 / 1024} MiB decoded`),
    author: z
      .object({ email: z.email().max(254), name: z.string().trim().min(1).max(200).optional() })
      .optional()
      .describe('the agent shown on the note; absent = the signed-in admin'),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (!r.text?.trim() && !r.html?.trim()) ctx.addIssue({ code: 'custom', path: ['text'], message: 'text or html is required' });
    const total = r.attachments.reduce((sum, a) => sum + base64DecodedLength(a.contentBase64), 0);
    if (total > MAX_REPLY_ATTACHMENT_BYTES) {
      ctx.addIssue({ code: 'custom', path: ['attachments'], message: `attachments are ${total} bytes together; at most ${MAX_REPLY_ATTACHMENT_BYTES}` });
    }
  });
export type AgentReplyRequest = z.infer<typeof AgentReplyRequest>;

/** The `Idempotency-Key` header: any printable ASCII, as clients generate (UUIDs, ULIDs, hashes). */
export const IdempotencyKey = z
  .string()
  .min(1)
  .max(200)
  .refine((s) => [...s].every((c) => c >= ' ' && c <= '~'), 'must be printable ASCII');

/**
 * The note and outbox ids of a reply. With an idempotency key they derive from (ticket, key):
 * a retried request finds what the first one wrote and sends nothing twice. Without one,
 * `fresh()` (a random UUID) makes each call a new reply.
 */
export function agentReplyIds(ticketId: string, idempotencyKey: string | undefined, fresh: () => string): { noteId: string; outboxId: string } {
  const part = idempotencyKey === undefined ? fresh() : createHash('sha256').update(`agent-reply\n${ticketId}\n${idempotencyKey}`).digest('hex').slice(0, 32);
  const noteId = `reply-${part}`;
  return { noteId, outboxId: `${noteId}:agentReply` };
}

/** What the note shows and the mail carries (before the marker): sanitized HTML, and text (from the HTML when only that was given). */
export function replyBody(request: Pick<AgentReplyRequest, 'text' | 'html'>): { text: string; html?: string } {
  const html = request.html?.trim() ? sanitizeTicketHtml(request.html) : undefined;
  const text = request.text?.trim() ? request.text : html ? htmlFallbackText(html, []) : '';
  return { text, ...(html !== undefined ? { html } : {}) };
}

/** Why the reply cannot go out: on the ticket (409) or in the request (400, with the field). */
export type ReplyProblem =
  | { kind: 'ticket'; code: string; message: string }
  | { kind: 'request'; code: string; message: string; path: string };

export interface AgentReplyInput {
  body: { text: string; html?: string | undefined };
  cc: readonly string[];
  settings: Pick<AnswerSettings, 'fromName'>;
  channel: ChannelIdentity;
  ticket: { title: string; requester: { email: string; name?: string | undefined } };
  thread: TicketThread;
  /** Every address of ours, as mailbox keys (recipient.ts `ownAddressSet`). */
  ourAddresses: ReadonlySet<string>;
  /** The signed token `[#T-000123-ab3k9q2z]` and its body `T-000123-ab3k9q2z` (for the marker). */
  token: string;
  ref: string;
  tokenFormat: TicketTokenFormat;
  /** Our Message-ID (outbound/outgoing.ts `outgoingMessageIdFor`). */
  messageId: string;
}

export type AgentReplyComposed = { ok: true; mail: z.output<typeof OutboundMail> } | { ok: false; problem: ReplyProblem };

export function composeAgentReply(input: AgentReplyInput): AgentReplyComposed {
  const { channel, ticket } = input;
  const requester = { address: ticket.requester.email, name: ticket.requester.name ?? '' };
  const toProblem = recipientProblem(requester, input.ourAddresses);
  if (toProblem) return { ok: false, problem: { kind: 'ticket', code: toProblem.code, message: `the ticket's requester cannot be written to: ${toProblem.message}` } };
  if (!validRecipient(channel.address)) return { ok: false, problem: { kind: 'ticket', code: 'CHANNEL_ADDRESS_INVALID', message: `the channel's address ${JSON.stringify(channel.address.slice(0, 300))} is not one to send from` } };

  const cc: string[] = [];
  const seen = new Set([mailboxKey(requester.address)]);
  for (const [i, raw] of input.cc.entries()) {
    const problem = recipientProblem({ address: raw }, input.ourAddresses);
    if (problem) return { ok: false, problem: { kind: 'request', code: problem.code, message: ccMessage(raw, problem.code), path: `cc.${i}` } };
    const key = mailboxKey(raw);
    if (seen.has(key)) continue;
    seen.add(key);
    cc.push(raw.trim());
  }

  const withMarker = embedMarker(input.body.html, input.body.text, input.ref);
  const title = stripSubjectPrefixes(oneLine(ticket.title)).subject || oneLine(ticket.title);
  const subjectText = `Re: ${title.length > MAX_SUBJECT_TEXT ? `${title.slice(0, MAX_SUBJECT_TEXT - 1)}…` : title}`;
  const replyTo = validRecipient(channel.replyTo);
  const mail = {
    from: { name: (input.settings.fromName ?? channel.name).slice(0, 200), address: channel.address.trim() },
    to: { name: requester.name.slice(0, 200), address: requester.address.trim() },
    ...(cc.length ? { cc } : {}),
    ...(replyTo ? { replyTo } : {}),
    subject: subjectWithToken(input.tokenFormat, subjectText, input.token),
    text: withMarker.text,
    ...(withMarker.html !== undefined ? { html: withMarker.html } : {}),
    ...threadHeaders(input.thread.lastMessageId, input.thread.references),
    messageId: bracketedId(input.messageId),
    // our stamp only: a person's mail carries no Auto-Submitted (RFC 3834 section 5)
    headers: { [MAIL_CHANNEL_HEADER]: channel.id },
  };
  const checked = OutboundMail.safeParse(mail);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const path = issue?.path.join('.') || '(root)';
    return { ok: false, problem: { kind: 'ticket', code: 'COMPOSE_FAILED', message: `the reply mail is invalid at ${path}: ${issue?.message ?? 'unknown'}` } };
  }
  return { ok: true, mail: checked.data };
}

function ccMessage(address: string, code: RecipientProblem['code']): string {
  const shown = JSON.stringify(address.slice(0, 300));
  if (code === 'OWN_ADDRESS') return `${shown} is one of our own addresses: the channel would write to itself`;
  if (code === 'NO_REPLY_ADDRESS') return `${shown} is a no-reply address: nobody reads what is sent there`;
  return `${shown} is not an address to send to`;
}

/** A title as one header line: line breaks and tabs become spaces (subjectWithToken folds runs). */
function oneLine(s: string): string {
  let out = '';
  for (const c of s) out += c === '\r' || c === '\n' || c === '\t' ? ' ' : c;
  return out.trim();
}
