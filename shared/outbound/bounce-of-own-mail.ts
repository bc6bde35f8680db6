import { z } from 'zod';
import { MAX_REASON, MAX_RECIPIENTS, readBounceReport, type BounceReport, type ReadOptions } from '../mail/bounce-report';
import { oneLine } from '../mail/bounce/lines';
import { describeStatus } from '../mail/bounce/smtp-codes';
import type { ParsedMail } from '../mail/parsed-mail';
import { normalizeMessageId } from '../pipeline/ledger-key';
import { NotFoundError } from '../store/errors';
import type { MessageIdEntry } from '../store/thread-index';
import type { Ticket } from '../tickets/ticket';
import type { OutboxBounce, OutboxRecord } from './outbox';

/**
 * A bounce of a mail we sent: the thread index knows the Message-IDs we sent (entries of
 * kind `sent`, naming their outbox record), so a delivery failure that names one of them is
 * ours. It marks the outbox record and the ticket ("requester address undeliverable: …")
 * and makes no ticket and no auto-response (the pipeline's machine-mail stage drops it).
 *
 * `findOwnMailBounced` reads (the report, then one point read per candidate id);
 * `recordOwnMailBounce` writes, idempotently: a redelivered bounce changes nothing.
 */

/** A recipient the bounce reports failed, with the words about it. */
export const FailedRecipient = z.object({ address: z.string().max(320), reason: z.string().min(1).max(300), status: z.string().max(11).optional() });
export type FailedRecipient = z.infer<typeof FailedRecipient>;

export const OwnMailBounce = z.object({
  channelId: z.string().min(1),
  outboxId: z.string().min(1),
  ticketId: z.string().min(1),
  /** The Message-ID of ours the bounce names (normalised, without brackets). */
  messageId: z.string().min(1),
  /** The report's reason, recipient and status (its first failed recipient), for the outbox record. */
  reason: z.string().min(1).max(300),
  recipient: z.string().max(320).optional(),
  status: z.string().max(11).optional(),
  /** Every recipient reported failed: the ticket is marked when the requester is one of them. */
  failed: z.array(FailedRecipient).max(MAX_RECIPIENTS).optional(),
});
export type OwnMailBounce = z.infer<typeof OwnMailBounce>;

/** `lookupMessageIds` of store/thread-index.ts. */
export type LookupMessageIds = (channelId: string, messageIds: readonly string[]) => Promise<MessageIdEntry[]>;

/**
 * The mail of ours a bounce reports as failed: the first candidate id of its report
 * (strongest first) that the index knows as one we sent. Undefined for a delay warning (the
 * mail may still arrive), and for a bounce of a mail we did not send or no longer know.
 */
export async function findOwnMailBounced(
  channelId: string,
  mail: ParsedMail,
  contents: ReadonlyMap<string, Buffer>,
  lookup: LookupMessageIds,
  options: ReadOptions = {},
): Promise<OwnMailBounce | undefined> {
  const report = readBounceReport(mail, contents, options);
  if (!report.failed || report.originalMessageIds.length === 0) return undefined;
  const candidates = report.originalMessageIds.map((c) => normalizeMessageId(c.id));
  const entries = await lookup(channelId, candidates);
  const sent = new Map(entries.filter((e) => e.kind === 'sent' && e.outboxId).map((e) => [e.key, e]));
  const hit = candidates.map((id) => sent.get(id)).find((e) => e !== undefined);
  if (!hit?.outboxId) return undefined;
  return OwnMailBounce.parse({
    channelId,
    outboxId: hit.outboxId,
    ticketId: hit.ticketId,
    messageId: hit.key,
    reason: report.reason,
    ...(report.recipient ? { recipient: report.recipient } : {}),
    ...(report.status ? { status: report.status } : {}),
    failed: failedRecipients(report),
  });
}

/** The recipients a report says failed (not delayed, not delivered), each with its own reason. */
function failedRecipients(report: BounceReport): FailedRecipient[] {
  return report.recipients
    .filter((r) => r.action === 'failed' || (!r.action && !r.status?.startsWith('4')))
    .map((r) => ({
      address: r.address,
      reason: oneLine(r.diagnostic ?? (r.status ? describeStatus(r.status) : report.reason), MAX_REASON) || report.reason,
      ...(r.status ? { status: r.status } : {}),
    }));
}

export interface RecordBounceDeps {
  /** `markOutboxBounced` of store/outbox.ts. */
  markOutboxBounced(channelId: string, outboxId: string, bounce: OutboxBounce): Promise<OutboxRecord | undefined>;
  /** `updateTicket` of tickets/tickets.ts. */
  updateTicket(id: string, change: (ticket: Ticket) => Ticket | undefined): Promise<Ticket>;
  now(): Date;
}

export interface RecordedBounce {
  /** `missing`: the record is gone (the index outlived it); the ticket is still marked. */
  outbox: 'marked' | 'missing';
  /**
   * `not-requester`: the address that failed is another recipient of the mail (a cc), so
   * the requester's address is not the one undeliverable; `missing`: the ticket is gone.
   */
  ticket: 'marked' | 'not-requester' | 'missing';
}

/** The ticket's mark: the latest bounce of a mail we sent the requester. */
export const undeliverableReason = (reason: string) => `requester address undeliverable: ${reason}`.slice(0, 2000);

/**
 * The ticket with the bounce marked, or undefined when there is nothing to write: the
 * requester is not among the failed recipients (the mail failed for a cc), or that bounce
 * (same outbox record, same reason) is marked already.
 */
export function markedUndeliverable(ticket: Ticket, found: OwnMailBounce, at: Date): Ticket | undefined {
  const failure = requesterFailure(ticket, found);
  if (!failure) return undefined;
  const reason = undeliverableReason(failure.reason);
  if (ticket.undeliverable?.outboxId === found.outboxId && ticket.undeliverable.reason === reason) return undefined;
  const stamp = at.toISOString();
  return { ...ticket, undeliverable: { reason, at: stamp, outboxId: found.outboxId }, updatedAt: stamp };
}

/**
 * The requester's failure in the bounce: their entry among the failed recipients; a report
 * that names no failed address is taken to be about the requester (every mail we send goes
 * to them).
 */
function requesterFailure(ticket: Ticket, found: OwnMailBounce): { reason: string } | undefined {
  const failed = found.failed ?? [];
  if (failed.length === 0) return found.recipient === undefined || sameAddress(found.recipient, ticket.requester.email) ? { reason: found.reason } : undefined;
  return failed.find((f) => sameAddress(f.address, ticket.requester.email));
}

const sameAddress = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

export async function recordOwnMailBounce(found: OwnMailBounce, deps: RecordBounceDeps): Promise<RecordedBounce> {
  const at = deps.now();
  const bounce: OutboxBounce = {
    reason: found.reason,
    ...(found.recipient ? { recipient: found.recipient } : {}),
    ...(found.status ? { status: found.status } : {}),
    at: at.toISOString(),
  };
  const record = await deps.markOutboxBounced(found.channelId, found.outboxId, bounce);
  let ticket: RecordedBounce['ticket'] = 'marked';
  try {
    await deps.updateTicket(found.ticketId, (t) => {
      if (!requesterFailure(t, found)) ticket = 'not-requester';
      return markedUndeliverable(t, found, at);
    });
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    ticket = 'missing';
  }
  return { outbox: record ? 'marked' : 'missing', ticket };
}
