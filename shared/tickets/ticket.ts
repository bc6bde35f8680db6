import { z } from 'zod';
import { FieldValue } from './template';

/**
 * Tickets and their notes, stored together in container `tickets` (pk /ticketId) as docs
 * with `type: 'ticket' | 'note'`. Ids are chosen by the caller and deterministic (derived
 * from the mail's ledger key), so creating the same ticket twice yields one ticket.
 */
export const TicketStatus = z.enum(['new', 'open', 'pending', 'resolved', 'closed']);
export const TicketPriority = z.enum(['low', 'normal', 'high', 'urgent']);

export const Person = z.object({
  email: z.string().min(1).max(320),
  name: z.string().max(320).optional(),
});
export type Person = z.infer<typeof Person>;

/** Text plus (optionally) HTML that has been sanitized before it was stored. */
export const RichText = z.object({
  text: z.string(),
  html: z.string().optional(),
  /** Set when the text was shortened to fit the store (the raw mail keeps the whole). */
  truncated: z.boolean().optional(),
});

export const Attachment = z
  .object({
    filename: z.string().min(1).max(1024),
    contentType: z.string().min(1).max(255),
    size: z.number().int().min(0),
    /** Blob in container `attachments`; absent when the attachment was blocked. */
    blobName: z.string().min(1).optional(),
    /** Why the attachment was not stored (policy: size, type, …). */
    blocked: z.string().min(1).optional(),
    /** Content-ID of an inline part, so HTML `cid:` references can be resolved. */
    contentId: z.string().optional(),
  })
  .refine((a) => Boolean(a.blobName) !== Boolean(a.blocked), {
    message: 'an attachment has either a blobName (stored) or a blocked reason, not both',
    path: ['blobName'],
  });
export type Attachment = z.infer<typeof Attachment>;

/** The mail a ticket or note came from. */
export const MailOrigin = z.object({
  channelId: z.string().min(1),
  /** Key of the mail's ledger record (channel + Message-ID, or a hash of the MIME). */
  ledgerKey: z.string().min(1),
  /** Internet Message-ID of the mail (absent when the mail had none). */
  messageId: z.string().optional(),
  /** The complete original mail (raw MIME) in Blob storage: the note or ticket keeps the new text only. */
  rawBlob: z.string().optional(),
});
export type MailOrigin = z.infer<typeof MailOrigin>;

const ticketFields = {
  id: z.string().min(1).max(255).regex(/^[^/\\?#]+$/, 'must not contain / \\ ? #'),
  templateId: z.string().min(1),
  channelId: z.string().min(1).optional(),
  title: z.string().min(1).max(2000),
  description: RichText,
  requester: Person,
  watchers: z.array(Person).default([]),
  fields: z.record(z.string(), FieldValue).default({}),
  priority: TicketPriority.default('normal'),
  status: TicketStatus.default('new'),
  attachments: z.array(Attachment).default([]),
  source: MailOrigin.optional(),
  /** The number its subject token shows (store/thread-index.ts `ticketNumberFor`); absent on tickets made before numbering. */
  number: z.number().int().min(1).optional(),
  /** Others who wrote into the ticket (authors of mail notes), lower-cased: their replies attach without a signed token. */
  participants: z.array(z.string().max(320)).default([]),
  /** When it was last resolved or closed: the reopen window of a reply counts from here. */
  closedAt: z.iso.datetime().optional(),
  /** The closed ticket a reply was about, when that reply made this new ticket. */
  relatedTicketId: z.string().optional(),
  /** A mail we sent the requester bounced: the latest such failure. */
  undeliverable: z.object({ reason: z.string().max(2000), at: z.iso.datetime(), outboxId: z.string().optional() }).optional(),
  updatedAt: z.iso.datetime().optional(),
};

export const Ticket = z.object({ ...ticketFields, createdAt: z.iso.datetime() });
export type Ticket = z.infer<typeof Ticket>;

/** What a caller passes to create a ticket: createdAt defaults to now. */
export const TicketInput = z.object({ ...ticketFields, createdAt: z.iso.datetime().optional() });
export type TicketInput = z.input<typeof TicketInput>;

const noteFields = {
  id: z.string().min(1).max(255).regex(/^[^/\\?#]+$/, 'must not contain / \\ ? #'),
  author: Person,
  text: z.string(),
  html: z.string().optional(),
  /** Set when the text was shortened to fit the store (the raw mail keeps the whole). */
  truncated: z.boolean().optional(),
  attachments: z.array(Attachment).default([]),
  source: MailOrigin.optional(),
  /** inbound = a mail that came in (a reply); outbound = an agent's reply sent by mail. */
  direction: z.enum(['inbound', 'outbound']).default('inbound'),
  /** The outbox record carrying an outbound note's mail. */
  outboxId: z.string().optional(),
};

export const Note = z.object({ ...noteFields, ticketId: z.string().min(1), createdAt: z.iso.datetime() });
export type Note = z.infer<typeof Note>;

/** What a caller passes to add a note (the ticket id is a separate argument). */
export const NoteInput = z.object({ ...noteFields, createdAt: z.iso.datetime().optional() });
export type NoteInput = z.input<typeof NoteInput>;

/** A ticket with its notes, oldest first: what the API and the pipeline read. */
export const TicketWithNotes = Ticket.extend({ notes: z.array(Note) });
export type TicketWithNotes = z.infer<typeof TicketWithNotes>;

/** The stored shapes (the partition key `ticketId` and the doc `type` added). */
export const TicketDoc = Ticket.extend({ type: z.literal('ticket'), ticketId: z.string().min(1) });
export type TicketDoc = z.infer<typeof TicketDoc>;
export const NoteDoc = Note.extend({ type: z.literal('note') });
export type NoteDoc = z.infer<typeof NoteDoc>;
