import { AgentReplyRequest, IdempotencyKey, MAX_REPLY_BODY_BYTES } from '../answers/agent-reply';
import { ValidationError } from '../http/api-error';
import { readJsonBody } from '../http/body';
import type { ApiOperation } from '../http/handler';
import { parseOrThrow } from '../http/validation';
import { NotFoundError } from '../store/errors';
import { queryNoteDocs } from '../store/ticket-repository';
import { withAttachmentLinks } from './attachments';
import { ticketMailDeps } from './ticket-mail';
import { TicketPatch } from './ticket-patch';
import { replyToTicket } from './ticket-reply';
import { patchTicketStatus } from './ticket-status';
import { withOutboxStates } from './ticket-view';

/** The ticket routes of the admin API: read one (with its ETag), change its status, reply by mail. */

/** GET tickets/{id}: the ticket, its notes with attachment links and their mail's state, and the ETag for a PATCH's If-Match. */
export const ticketOperation: ApiOperation = async (req) => {
  const id = req.param('id');
  const deps = ticketMailDeps();
  const current = await deps.readTicketWithEtag(id);
  if (!current) throw new NotFoundError('ticket', id);
  const ticket = withAttachmentLinks({ ...current.ticket, notes: await queryNoteDocs([id]) });
  return { body: await withOutboxStates(ticket, deps.readOutbox), etag: current.etag };
};

/** PATCH tickets/{id}: the status under If-Match; the notification's outcome (or suppression) in the answer. */
export const patchTicketOperation: ApiOperation = async (req) => {
  const patch = parseOrThrow(TicketPatch, await req.json());
  const result = await patchTicketStatus(req.param('id'), patch, req.ifMatch, ticketMailDeps());
  return { body: { ...result.ticket, ...(result.notification ? { notification: result.notification } : {}) }, etag: result.etag };
};

/** POST tickets/{id}/reply: 202 once the mail is in the outbox and the note on the ticket. */
export const replyToTicketOperation: ApiOperation = async (req) => {
  const id = req.param('id');
  const rawKey = req.request.headers.get('idempotency-key');
  let idempotencyKey: string | undefined;
  if (rawKey !== null) {
    const key = IdempotencyKey.safeParse(rawKey.trim());
    if (!key.success) throw new ValidationError([{ path: 'Idempotency-Key', message: key.error.issues[0]?.message ?? 'invalid' }]);
    idempotencyKey = key.data;
  }
  // attachments come base64-encoded in the JSON: a larger limit than the admin's configuration bodies
  const request = parseOrThrow(AgentReplyRequest, await readJsonBody(req.request, MAX_REPLY_BODY_BYTES));
  const principalName = req.principal.kind === 'appServiceAuth' ? req.principal.name : undefined;
  const accepted = await replyToTicket(id, request, { principalName, idempotencyKey }, ticketMailDeps());
  return { status: 202, body: accepted, headers: { location: `/api/tickets/${encodeURIComponent(id)}` } };
};
