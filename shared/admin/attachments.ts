import { create as contentDisposition } from 'content-disposition';
import type { ApiOperation } from '../http/handler';
import { HttpError } from '../http/api-error';
import { getAttachment } from '../store/blobs';
import { NotFoundError } from '../store/errors';
import { getTicket } from '../tickets/tickets';
import type { Attachment, MailOrigin, TicketWithNotes } from '../tickets/ticket';
import { withoutFormatCharacters } from '../mail/invisible-characters';

/**
 * Attachment links on tickets and notes, and the download behind them. Links are
 * relative to the API root and go through the same admin check; blocked attachments
 * have no link (their `blocked` reason says why).
 */
const ticketHref = (ticketId: string, i: number) => `/api/tickets/${encodeURIComponent(ticketId)}/attachments/${i}`;
const noteHref = (ticketId: string, noteId: string, i: number) => `/api/tickets/${encodeURIComponent(ticketId)}/notes/${encodeURIComponent(noteId)}/attachments/${i}`;

const link = (a: Attachment, href: string) => (a.blobName ? { ...a, href } : a);

/** The complete original of a ticket's or note's mail (the ticket keeps its new text only). */
const originalHref = (source: MailOrigin | undefined) =>
  source?.rawBlob ? { originalHref: `/api/channels/${encodeURIComponent(source.channelId)}/messages/${encodeURIComponent(source.ledgerKey)}/raw` } : {};

export function withAttachmentLinks(t: TicketWithNotes): TicketWithNotes & { attachments: (Attachment & { href?: string })[] } {
  return {
    ...t,
    ...originalHref(t.source),
    attachments: t.attachments.map((a, i) => link(a, ticketHref(t.id, i))),
    notes: t.notes.map((n) => ({ ...n, ...originalHref(n.source), attachments: n.attachments.map((a, i) => link(a, noteHref(t.id, n.id, i))) })),
  };
}

/** GET tickets/{id}/attachments/{index} and tickets/{id}/notes/{noteId}/attachments/{index}. */
export const ticketAttachmentOperation: ApiOperation = async (req) => {
  const ticketId = req.param('id');
  const index = Number(req.param('index'));
  const ticket = await getTicket(ticketId);
  if (!ticket) throw new NotFoundError('ticket', ticketId);
  const noteId = req.request.params.noteId;
  const owner = noteId ? ticket.notes.find((n) => n.id === noteId) : ticket;
  if (!owner) throw new NotFoundError('note', noteId ?? '');
  const attachment = Number.isInteger(index) && index >= 0 ? owner.attachments[index] : undefined;
  if (!attachment) throw new NotFoundError('attachment', `${req.param('index')}`);
  if (!attachment.blobName) throw new HttpError(410, 'blocked', `attachment "${attachment.filename}" was not stored: ${attachment.blocked ?? 'blocked by policy'}`);
  const content = await getAttachment(attachment.blobName);
  return { rawBody: content, headers: downloadHeaders(attachment, content.length) };
};

/**
 * Media types served as declared: passive formats a browser shows without running
 * anything. Everything else — HTML, SVG, XML, script, unknown — goes out as
 * `application/octet-stream`, whatever the mail claimed.
 */
const PASSIVE_TYPES = new Set([
  'text/plain', 'text/csv', 'text/calendar', 'message/rfc822', 'application/pdf', 'application/zip', 'application/json',
  'image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/bmp', 'image/tiff', 'image/heic',
  'audio/mpeg', 'audio/wav', 'video/mp4',
  'application/msword', 'application/vnd.ms-excel', 'application/vnd.ms-powerpoint', 'application/vnd.ms-outlook', 'application/rtf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text', 'application/vnd.oasis.opendocument.spreadsheet', 'application/vnd.oasis.opendocument.presentation',
]);

export function safeContentType(declared: string): string {
  const type = declared.split(';')[0]!.trim().toLowerCase();
  return PASSIVE_TYPES.has(type) ? type : 'application/octet-stream';
}

/**
 * Headers of an attachment download. Attachments are untrusted content served from the
 * API's origin: always a download (`attachment`, the name RFC 6266/5987-encoded by
 * `content-disposition`, so quotes, CR/LF and non-ASCII cannot break the header), never
 * sniffed into something active (`nosniff`, passive types only), and if a browser
 * renders it anyway it runs in a sandbox with nothing allowed.
 */
export function downloadHeaders(attachment: Pick<Attachment, 'filename' | 'contentType'>, length: number): Record<string, string> {
  return {
    'content-type': safeContentType(attachment.contentType),
    'content-disposition': contentDisposition(withoutFormatCharacters(attachment.filename) || 'attachment', { type: 'attachment' }),
    'content-length': String(length),
    'x-content-type-options': 'nosniff',
    'content-security-policy': "sandbox; default-src 'none'",
  };
}
