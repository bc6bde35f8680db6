import { z } from 'zod';

/**
 * The one seam for sending mail (auto-responses, notifications to requesters).
 * Implementations: `smtp.ts` (nodemailer) for IMAP channels; a Graph sender for Graph channels.
 *
 * Errors: `TransientError` when a retry can help (connection, timeout, SMTP 4xx),
 * `PermanentError` when not (auth rejected, recipient refused with 5xx, bad message).
 */

export const MailAddress = z.union([
  z.email(),
  z.object({ name: z.string().max(500), address: z.email() }),
]);
export type MailAddress = z.infer<typeof MailAddress>;

/** A header name is printable ASCII without ':' or spaces; a value has no line breaks (no header injection). */
const HeaderName = z.string().regex(/^[!-9;-~]+$/, 'must be a header name');
const HeaderValue = z.string().regex(/^[^\r\n]*$/, 'must not contain line breaks');
const MessageIdRef = z.string().regex(/^<[^<>\s]+>$/, 'must be a Message-ID like <id@host>');

export const OutboundAttachment = z.object({
  filename: z.string().min(1).max(255),
  content: z.instanceof(Buffer),
  contentType: z.string().min(1).optional(),
  /** Content-ID for inline images referenced as `cid:` in the HTML. */
  cid: z.string().min(1).optional(),
});

export const OutboundMail = z.object({
  from: MailAddress,
  to: z.union([MailAddress, z.array(MailAddress).min(1)]),
  cc: z.array(MailAddress).optional(),
  replyTo: MailAddress.optional(),
  subject: HeaderValue.max(998),
  text: z.string(),
  html: z.string().optional(),
  /** Message-ID of the mail this answers. */
  inReplyTo: MessageIdRef.optional(),
  references: z.array(MessageIdRef).optional(),
  /** Own Message-ID (e.g. derived from the ledger key so a resend is recognisable); generated when absent. */
  messageId: MessageIdRef.optional(),
  /** Extra headers, e.g. `Auto-Submitted: auto-replied`. */
  headers: z.record(HeaderName, HeaderValue).optional(),
  attachments: z.array(OutboundAttachment).optional(),
});
export type OutboundMail = z.input<typeof OutboundMail>;

export interface SentMail {
  /** The Message-ID the mail went out with, `<id@host>`. */
  messageId: string;
}

export interface MailSender {
  send(message: OutboundMail): Promise<SentMail>;
}
