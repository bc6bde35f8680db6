import { z } from 'zod';
import { SniffedType } from './content-sniff';

/**
 * A parsed mail as the pipeline sees it: produced by `parse.ts` from raw MIME, and the
 * base of what `npx mail-channel inspect` prints. Plain data, JSON-safe.
 */
export const Address = z.object({ address: z.string(), name: z.string().default('') });
export type Address = z.infer<typeof Address>;

export const AttachmentInfo = z.object({
  filename: z.string(),
  /** The name as the mail gave it, when cleaning it for display changed more than its path (NULs, bidi overrides …). */
  nameAsSent: z.string().optional(),
  contentType: z.string(),
  size: z.number().int().nonnegative(),
  inline: z.boolean(),
  cid: z.string().optional(),
  /** sha256 of the content, hex: dedups blobs and names them. */
  sha256: z.string(),
  /** What the content is by its bytes, when that is something active (a program, disk image, page …). */
  sniffed: SniffedType.optional(),
  /**
   * For a ZIP: the extensions of the files inside (as `extensionsOf` reads their names),
   * at most `MAX_ARCHIVE_EXTENSIONS` distinct ones; `truncated` when there were more kinds.
   */
  archive: z.object({ extensions: z.array(z.string()), truncated: z.boolean(), unread: z.boolean().optional() }).optional(),
});
export type AttachmentInfo = z.infer<typeof AttachmentInfo>;

export const ParsedMail = z.object({
  /** Message-ID without angle brackets; undefined when the mail has none. */
  messageId: z.string().optional(),
  inReplyTo: z.string().optional(),
  references: z.array(z.string()).default([]),
  from: Address.optional(),
  /** Reply-To, when present. */
  replyTo: z.array(Address).default([]),
  to: z.array(Address).default([]),
  cc: z.array(Address).default([]),
  subject: z.string().default(''),
  /** ISO date from the Date header, when present and valid. */
  date: z.string().optional(),
  /** Plain-text body (from text/plain, or derived from HTML). */
  text: z.string().default(''),
  /** Sanitized HTML body (safe to render), when the mail has HTML. */
  html: z.string().optional(),
  /** The new text of a reply, quoted history removed. */
  replyText: z.string().default(''),
  /** The reply's own HTML, sanitized, quoted history removed; when the mail has HTML. */
  replyHtml: z.string().optional(),
  /** Header names lower-cased; repeated headers joined with "\n". */
  headers: z.record(z.string(), z.string()),
  attachments: z.array(AttachmentInfo).default([]),
  /** sha256 of the raw MIME, hex. */
  rawSha256: z.string(),
  rawSize: z.number().int().nonnegative(),
  /** Problems met while parsing that did not stop it (e.g. a bad charset). */
  warnings: z.array(z.string()).default([]),
});
export type ParsedMail = z.infer<typeof ParsedMail>;

/**
 * What wrote a mail: a person, or one of the machine kinds — `auto-reply` (out-of-office,
 * autoresponders, read receipts), `bounce` (delivery failures), `report` (abuse/spam
 * feedback and DMARC reports, RFC 5965/6591/7489), `notification` (alerts and messages
 * of notification services: `Auto-Submitted: auto-generated`), `list` (mass mail) and
 * `loop` (our own mail coming back, or a mail system saying a loop is going on).
 */
export const MailKind = z.enum(['human', 'auto-reply', 'bounce', 'report', 'notification', 'list', 'loop']);
export type MailKind = z.infer<typeof MailKind>;

export const Classification = z.object({
  kind: MailKind,
  /** Every signal that led to the kind, e.g. "Auto-Submitted: auto-replied". */
  reasons: z.array(z.string()),
  /**
   * True for every machine mail — also a notification the channel accepts as a ticket —
   * and for mail that asks not to be answered automatically: answering a robot starts a
   * loop, so no auto-response may ever go to such a mail.
   */
  noAutoResponse: z.boolean(),
});
export type Classification = z.infer<typeof Classification>;
