import type { ApiOperation } from '../http/handler';
import { HttpError } from '../http/api-error';
import { getAttachment } from '../store/blobs';
import { NotFoundError } from '../store/errors';
import { getTicket } from '../tickets/tickets';
import type { Attachment, TicketWithNotes } from '../tickets/ticket';

/**
 * Attachment links on tickets and notes, and the download behind them. Links are
 * relative to the API root and go through the same admin check; blocked attachments
 * have no link (their `blocked` reason says why).
 */
const ticketHref = (ticketId: string, i: number) => `/api/tickets/${encodeURIComponent(ticketId)}/attachments/${i}`;
const noteHref = (ticketId: string, noteId: string, i: number) => `/api/tickets/${encodeURIComponent(ticketId)}/notes/${encodeURIComponent(noteId)}/attachments/${i}`;

const link = (a: Attachment, href: string) => (a.blobName ? { ...a, href } : a);

export function withAttachmentLinks(t: TicketWithNotes): TicketWithNotes & { attachments: (Attachment & { href?: string })[] } {
  return {
    ...t,
    attachments: t.attachments.map((a, i) => link(a, ticketHref(t.id, i))),
    notes: t.notes.map((n) => ({ ...n, attachments: n.attachments.map((a, i) => link(a, noteHref(t.id, n.id, i))) })),
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
  return {
    rawBody: content,
    headers: {
      'content-type': attachment.contentType,
      // always a download: attachments are untrusted content and must not render in the API's origin
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(attachment.filename)}`,
      'content-length': String(content.length),
    },
  };
};
