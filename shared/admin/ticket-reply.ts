import { createHash } from 'node:crypto';
import { z } from 'zod';
import { agentReplyIds, composeAgentReply, replyBody, type AgentReplyRequest, type ReplyAttachment } from '../answers/agent-reply';
import { mailboxKey } from '../answers/recipient';
import { HttpError, ValidationError } from '../http/api-error';
import { composeMime, validOutboundMail } from '../outbound/compose';
import { dispatchOutgoing } from '../outbound/dispatch';
import { GRAPH_SENDMAIL_MAX_BYTES } from '../outbound/graph-sender';
import type { OutboundMail } from '../outbound/mail-sender';
import { OutboxState, type OutboxAttachment } from '../outbound/outbox';
import { outboxRecordOf, outgoingMessageIdFor } from '../outbound/outgoing';
import { ConflictError, cosmosStatus, NotFoundError } from '../store/errors';
import type { Attachment, Person, Ticket } from '../tickets/ticket';
import { channelMailOf, dispatchOfWritten, isNoChannel, threadOf, type TicketMailDeps } from './ticket-mail';

/**
 * `POST /api/tickets/{id}/reply`: an agent's reply sent by mail from the ticket's channel
 * and kept as a public outbound note.
 *
 * Order, so that a crash between two steps never sends a mail without its note, and the
 * same request repeated (same Idempotency-Key) finishes what the first one began:
 *   1. attachments into Blob (named by content hash: a repeat rewrites nothing);
 *   2. the outbox record, queued but without a queue message: nothing sends it yet;
 *   3. the ticket's number and the cc participants on the ticket (ETag-guarded, no-op when there);
 *   4. the note (outbound, naming the outbox record);
 *   5. dispatch: the thread index `sent` entry, then the queue message — only now can it go out.
 * A crash before 4 leaves a record no message will ever send (no mail, no note); a crash
 * between 4 and 5 leaves a note whose outbox record stays `queued` (shown on the ticket)
 * until the request is repeated with its key. Every write is create-once or a no-op on
 * repeat, so the repeat sends the mail once.
 */

export const ReplyAccepted = z.object({
  ticketId: z.string(),
  noteId: z.string(),
  outboxId: z.string(),
  messageId: z.string().describe('the Message-ID the mail goes out with'),
  ticketNumber: z.number().int(),
  outboxState: OutboxState,
  /** False when an earlier request with the same Idempotency-Key had made it. */
  created: z.boolean(),
});
export type ReplyAccepted = z.infer<typeof ReplyAccepted>;

export interface ReplyCaller {
  /** The signed-in principal's name; undefined for the admin key. */
  principalName?: string | undefined;
  idempotencyKey?: string | undefined;
}

export async function replyToTicket(ticketId: string, request: AgentReplyRequest, caller: ReplyCaller, deps: TicketMailDeps): Promise<ReplyAccepted> {
  const read = await deps.readTicketWithEtag(ticketId);
  if (!read) throw new NotFoundError('ticket', ticketId);
  const ticket = { ...read.ticket, notes: await deps.queryNotes(ticketId) };
  const mail = await channelMailOf(ticket, deps);
  if (isNoChannel(mail)) throw new ConflictError(mail.message);

  const { noteId, outboxId } = agentReplyIds(ticket.id, caller.idempotencyKey, deps.newId);
  const messageId = outgoingMessageIdFor(outboxId, mail.identity.address);
  const body = replyBody(request);
  const composed = composeAgentReply({
    body,
    cc: request.cc,
    settings: mail.settings,
    channel: mail.identity,
    ticket,
    thread: threadOf(ticket, mail),
    ourAddresses: mail.ourAddresses,
    token: mail.token,
    ref: mail.ref,
    tokenFormat: mail.threading.token,
    messageId,
  });
  if (!composed.ok) {
    const p = composed.problem;
    if (p.kind === 'request') throw new ValidationError([{ path: p.path, message: p.message }]);
    throw new HttpError(409, p.code.toLowerCase(), p.message);
  }

  if (mail.channel.connection.protocol === 'graph') {
    const bytes = await sendMailRequestBytes(mail.channel.id, composed.mail, request.attachments);
    if (bytes > GRAPH_SENDMAIL_MAX_BYTES) {
      throw new HttpError(413, 'reply_too_large', `the reply would be ${bytes} bytes in Graph's sendMail request, which takes at most ${GRAPH_SENDMAIL_MAX_BYTES}: send smaller attachments or a shorter body`);
    }
  }
  const stored = await storeAttachments(request.attachments, deps);
  const now = deps.now();
  const { messageId: _id, ...outgoing } = composed.mail;
  const record = outboxRecordOf({ outboxId, channelId: mail.channel.id, purpose: 'agentReply', ticketId: ticket.id, mail: outgoing, attachments: stored.map((s) => s.ref), messageId, now });

  const { created } = await deps.createOutbox(record);
  let outboxState: OutboxState = 'queued';
  if (!created) {
    const existing = (await deps.readOutbox(record.channelId, outboxId))?.record;
    if (existing && (existing.mail.text !== record.mail.text || existing.mail.html !== record.mail.html)) {
      throw new HttpError(409, 'idempotency_key_reused', 'this Idempotency-Key was used for a different reply to this ticket; send a new key for a new reply');
    }
    outboxState = existing?.state ?? 'queued';
  }

  const cc = request.cc.map((a) => a.trim().toLowerCase());
  await storeNumberAndParticipants(read, (t) => withNumberAndParticipants(t, mail.number, cc, now), deps);

  const author = authorOf(request, caller, mail.identity.address);
  const note = await deps.addNote(ticket.id, {
    id: noteId,
    author,
    text: body.text,
    ...(body.html !== undefined ? { html: body.html } : {}),
    attachments: stored.map((s) => s.attachment),
    direction: 'outbound',
    outboxId,
    createdAt: now.toISOString(),
  });

  // a record already sent or failed needs no second message (one would be harmless: the send job skips it);
  // the record itself was written in step 2, so dispatch does not write it again
  if (outboxState === 'queued') await dispatchOutgoing([record], dispatchOfWritten(deps.dispatch));
  return { ticketId: ticket.id, noteId, outboxId, messageId, ticketNumber: mail.number, outboxState, created: created && note.created };
}

/** The ticket with its number and the cc'd people as participants (their answers attach); undefined when both are there. */
export function withNumberAndParticipants(t: Ticket, number: number, cc: readonly string[], now: Date): Ticket | undefined {
  const known = new Set([mailboxKey(t.requester.email), ...t.participants.map(mailboxKey)]);
  const added = [...new Set(cc)].filter((a) => !known.has(mailboxKey(a)));
  if (t.number === number && added.length === 0) return undefined;
  // the number a ticket shows never changes once stored (thread-index.ts hands out the same)
  return { ...t, number: t.number ?? number, participants: [...t.participants, ...added], updatedAt: now.toISOString() };
}

/**
 * What Graph's sendMail would be sent for this mail: its MIME (built as the sender builds
 * it), base64. Checked before anything is written, so a reply too large for a Graph channel
 * is a 413 now rather than an outbox record failing later with GRAPH_MAIL_TOO_LARGE.
 */
export async function sendMailRequestBytes(channelId: string, mail: OutboundMail, attachments: readonly ReplyAttachment[]): Promise<number> {
  const withBytes = { ...mail, attachments: attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: Buffer.from(a.contentBase64, 'base64') })) };
  const { raw } = await composeMime(channelId, validOutboundMail(withBytes, 'REPLY'));
  return Math.ceil(raw.length / 3) * 4;
}

/** The change under the ETag the reply read the ticket with (no second read); when someone wrote in between, read again (updateTicket). */
async function storeNumberAndParticipants(read: { ticket: Ticket; etag: string }, change: (t: Ticket) => Ticket | undefined, deps: Pick<TicketMailDeps, 'replaceTicket' | 'updateTicket'>): Promise<void> {
  const next = change(read.ticket);
  if (!next) return;
  try {
    await deps.replaceTicket(next, read.etag);
  } catch (err) {
    if (cosmosStatus(err) !== 412) throw err;
    await deps.updateTicket(read.ticket.id, change);
  }
}

/** The agent: as the request names them, else the signed-in admin, else "admin" writing as the channel. */
export function authorOf(request: Pick<AgentReplyRequest, 'author'>, caller: ReplyCaller, channelAddress: string): Person {
  if (request.author) return { email: request.author.email, ...(request.author.name ? { name: request.author.name } : {}) };
  const name = caller.principalName?.trim();
  if (name) return { email: z.email().safeParse(name).success ? name : channelAddress, name };
  return { email: channelAddress, name: 'admin' };
}

async function storeAttachments(list: AgentReplyRequest['attachments'], deps: Pick<TicketMailDeps, 'putAttachment'>): Promise<{ ref: OutboxAttachment; attachment: Attachment }[]> {
  return Promise.all(
    list.map(async (a) => {
      const content = Buffer.from(a.contentBase64, 'base64');
      const sha = createHash('sha256').update(content).digest('hex');
      const blobName = await deps.putAttachment(sha, content, a.contentType);
      return {
        ref: { filename: a.filename, contentType: a.contentType, blobName },
        attachment: { filename: a.filename, contentType: a.contentType, size: content.length, blobName },
      };
    }),
  );
}
