import { z } from 'zod';
import { composeStatusNotification } from '../answers/notification';
import { etagMatches } from '../http/etag';
import { dispatchOutgoing } from '../outbound/dispatch';
import { OutboxState, type OutboxRecord } from '../outbound/outbox';
import { outboxRecordOf, outgoingMessageIdFor } from '../outbound/outgoing';
import { cosmosStatus, NotFoundError, PreconditionFailedError } from '../store/errors';
import { TransientError } from '../errors';
import { embedMarker } from '../threading/thread-marker';
import type { Ticket } from '../tickets/ticket';
import { channelMailOf, dispatchOfWritten, isNoChannel, threadOf, type TicketMailDeps } from './ticket-mail';
import { isClosing, notificationOutboxId, patchedTicket, type TicketPatch } from './ticket-patch';

/**
 * `PATCH /api/tickets/{id}`: the status change under the ticket's ETag, and the
 * requester's notification when the channel notifies that status.
 *
 * Order: the notification's outbox record is written before the ticket (queued, no queue
 * message yet: nothing sends it), then the ticket under its ETag, then dispatch (thread
 * index entry, queue message). A crash before the ticket write leaves a record nothing
 * sends (the status did not change either); a crash after it is finished by repeating the
 * PATCH: the status is already there, so the record of that change — its id derives from
 * (ticket, status, closedAt) — is found and dispatched if still queued. A PATCH repeated
 * after success finds it sent and sends nothing.
 */

export const NotificationOutcome = z.discriminatedUnion('sent', [
  z.object({
    sent: z.literal(true),
    outboxId: z.string(),
    messageId: z.string(),
    state: OutboxState,
    /** False when this PATCH only found (and finished) the notification of an earlier one. */
    created: z.boolean(),
  }),
  z.object({
    sent: z.literal(false),
    suppression: z.object({ code: z.string(), message: z.string() }).describe('why no notification goes out (not an error)'),
  }),
]);
export type NotificationOutcome = z.infer<typeof NotificationOutcome>;

export interface StatusPatched {
  ticket: Ticket;
  etag: string;
  /** Absent when the PATCH changed nothing and no notification of the current status was pending. */
  notification?: NotificationOutcome;
}

/** Rounds of "someone else changed the ticket first" before the caller retries (only without If-Match). */
const MAX_ROUNDS = 8;

export async function patchTicketStatus(ticketId: string, patch: TicketPatch, ifMatch: readonly string[] | undefined, deps: TicketMailDeps): Promise<StatusPatched> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const current = await deps.readTicketWithEtag(ticketId);
    if (!current) throw new NotFoundError('ticket', ticketId);
    if (!etagMatches(current.etag, ifMatch)) throw new PreconditionFailedError('ticket', ticketId);
    const now = deps.now();
    const next = patchedTicket(current.ticket, patch, now);
    if (!next) return { ...current, ...(await finishPending(current.ticket, deps)) };

    const planned = isClosing(next.status) ? await planNotification(next, deps) : undefined;
    if (planned && 'record' in planned) await deps.createOutbox(planned.record);
    const numbered = planned && 'record' in planned ? { ...next, number: next.number ?? planned.number } : next;
    let written: Ticket;
    try {
      written = await deps.replaceTicket(numbered, current.etag);
    } catch (err) {
      if (cosmosStatus(err) !== 412) throw err;
      // the client's If-Match named the version just read: someone changed it since
      if (ifMatch) throw new PreconditionFailedError('ticket', ticketId);
      continue;
    }
    const etag = (await deps.readTicketWithEtag(ticketId))?.etag ?? '';
    if (!planned) return { ticket: written, etag };
    if (!('record' in planned)) return { ticket: written, etag, notification: { sent: false, suppression: planned.suppression } };
    // the record was written before the ticket: dispatch does not write it again
    await dispatchOutgoing([planned.record], dispatchOfWritten(deps.dispatch));
    return { ticket: written, etag, notification: { sent: true, outboxId: planned.record.id, messageId: planned.record.messageId, state: 'queued', created: true } };
  }
  throw new TransientError('TICKET_CONTENDED', `ticket ${ticketId} kept changing under this update; retry it`);
}

type Planned = { record: OutboxRecord; number: number } | { suppression: { code: string; message: string } };

/** The notification of the ticket's new status as an outbox record, or why there is none. */
async function planNotification(ticket: Ticket, deps: TicketMailDeps): Promise<Planned> {
  const [notes, mail] = await Promise.all([deps.queryNotes(ticket.id), channelMailOf(ticket, deps)]);
  if (isNoChannel(mail)) return { suppression: mail };
  const outboxId = notificationOutboxId(ticket.id, ticket.status, ticket.closedAt);
  const messageId = outgoingMessageIdFor(outboxId, mail.identity.address);
  const composed = composeStatusNotification({
    settings: mail.settings,
    channel: mail.identity,
    ticket: { id: ticket.id, number: mail.number, title: ticket.title, link: mail.link, status: ticket.status },
    requester: { address: ticket.requester.email, name: ticket.requester.name ?? '' },
    thread: threadOf({ ...ticket, notes }, mail),
    ourAddresses: mail.ourAddresses,
    token: mail.token,
    tokenFormat: mail.threading.token,
    messageId,
  });
  if (!composed.send) return { suppression: composed.suppression };
  // every mail we send carries the signed marker, for replies whose client drops the headers
  const marked = embedMarker(composed.mail.html, composed.mail.text, mail.ref);
  const { messageId: _id, ...outgoing } = composed.mail;
  const record = outboxRecordOf({
    outboxId,
    channelId: mail.channel.id,
    purpose: 'notification',
    ticketId: ticket.id,
    mail: { ...outgoing, text: marked.text, ...(marked.html !== undefined ? { html: marked.html } : {}) },
    messageId,
    now: deps.now(),
  });
  return { record, number: mail.number };
}

/**
 * The same status again: nothing to change, but the notification of the change that set it
 * may be waiting for its queue message (a crash after the ticket write): finish it.
 */
async function finishPending(ticket: Ticket, deps: TicketMailDeps): Promise<{ notification?: NotificationOutcome }> {
  if (!ticket.channelId || !isClosing(ticket.status) || !ticket.closedAt) return {};
  const outboxId = notificationOutboxId(ticket.id, ticket.status, ticket.closedAt);
  const found = (await deps.readOutbox(ticket.channelId, outboxId))?.record;
  if (!found) return {};
  if (found.state === 'queued') await dispatchOutgoing([found], dispatchOfWritten(deps.dispatch));
  return { notification: { sent: true, outboxId, messageId: found.messageId, state: found.state, created: false } };
}
